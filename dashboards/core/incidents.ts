import { AnnotationQueryBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { M, RP, TAG, INCIDENT_FIELDS as I } from '../../store/index.ts';
import { InfluxQLBuilder, from, ident, stringLit } from './influxql.ts';
import { DATASOURCE } from './names.ts';

/**
 * Incidents (`forever.wan_incident`, one point per incident item alerting decided on; docs/alerts.md
 * "Records in InfluxDB") as annotations: text = the email subject (`title`), tags = kind,
 * disposition (`status`) and interface.
 *
 * | dashboard | which incidents                                 | on by default |
 * |-----------|-------------------------------------------------|---------------|
 * | device    | every one of the device, whatever its disposition | yes |
 * | fleet     | the emailed ones (`notified`) of every device, newest 1,000 in the range | no: a busy fleet would cover every graph |
 */
export function incidentsAnnotationQuery(deviceCondition: string | null): string {
  const fields = [I.title, I.text, I.iface, TAG.kind, TAG.status].map(ident).join(', ');
  const src = from(RP.forever, M.incident);
  if (deviceCondition !== null) return `SELECT ${fields} FROM ${src} WHERE ${deviceCondition} AND $timeFilter`;
  return `SELECT ${fields}, ${ident(TAG.device)} FROM ${src} WHERE ${ident(TAG.status)} = ${stringLit('notified')} AND $timeFilter ORDER BY time DESC LIMIT 1000`;
}

export function incidentsAnnotation(
  query: string,
  columns: { text: string; tags: string },
  enabled: boolean,
): AnnotationQueryBuilder {
  return new AnnotationQueryBuilder()
    .name('Incidents')
    .datasource(DATASOURCE)
    .enable(enabled)
    .iconColor('purple')
    .target(new InfluxQLBuilder(query, DATASOURCE).refId('Incidents').format('table').asAnnotation(columns));
}
