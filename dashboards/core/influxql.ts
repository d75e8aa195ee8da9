import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type { DataSourceRef } from '@grafana/grafana-foundation-sdk/common';
import { encodeTagValue } from '../../contract/index.ts';

/**
 * A small InfluxQL toolkit: the foundation SDK has no InfluxDB query type (docs/service-notes.md,
 * "Grafana foundation SDK: no InfluxDB query type"), so we define Grafana's `InfluxQuery` JSON ourselves and build raw InfluxQL text with the quoting
 * rules of InfluxQL (not line protocol, which has different escapes).
 */

/** `"name"` with `\` and `"` escaped: measurement, RP, tag and field names. */
export function ident(name: string): string {
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * `'value'` with `\` and `'` escaped. node-influx's `escape.stringLit` escapes only `'`, which breaks
 * on a backslash (docs/service-notes.md, "InfluxQL escaping"), hence our own.
 */
export function stringLit(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A tag value as stored (through `encodeTagValue`) and quoted for a WHERE clause. */
export function tagLit(value: string): string {
  return stringLit(encodeTagValue(value));
}

/** `/^value$/` matching exactly one stored tag value; regex metacharacters and `/` escaped. */
export function exactRegex(value: string): string {
  return `/^${encodeTagValue(value).replace(/[\\^$*+?.()|[\]{}/]/g, '\\$&')}$/`;
}

/** `"rp"."measurement"`: every query names its RP, because the measurements live in three of them. */
export function from(rp: string, measurement: string): string {
  return `${ident(rp)}.${ident(measurement)}`;
}

/** Grafana's InfluxDB query model (public/app/plugins/datasource/influxdb/types.ts), raw mode only. */
export interface InfluxQLQuery extends cog.Dataquery {
  refId?: string;
  datasource?: DataSourceRef;
  hide?: boolean;
  rawQuery: true;
  query: string;
  resultFormat: 'time_series' | 'table' | 'logs';
  alias?: string;
  textColumn?: string;
  tagsColumn?: string;
  titleColumn?: string;
}

export class InfluxQLBuilder implements cog.Builder<cog.Dataquery> {
  private readonly q: InfluxQLQuery;
  constructor(query: string, datasource: DataSourceRef) {
    this.q = {
      refId: 'A',
      datasource,
      rawQuery: true,
      query,
      resultFormat: 'time_series',
      _implementsDataqueryVariant() {},
    };
  }
  refId(v: string): this {
    this.q.refId = v;
    return this;
  }
  alias(v: string): this {
    this.q.alias = v;
    return this;
  }
  format(v: InfluxQLQuery['resultFormat']): this {
    this.q.resultFormat = v;
    return this;
  }
  /**
   * The columns Grafana's InfluxDB datasource turns into annotation text, tags and title. Its
   * editor also saves `fromAnnotations`/`textEditor` (editor state, set again on load); they are not
   * part of the query model, so they are left out.
   */
  asAnnotation(c: { text?: string; tags?: string; title?: string }): this {
    if (c.text) this.q.textColumn = c.text;
    if (c.tags) this.q.tagsColumn = c.tags;
    if (c.title) this.q.titleColumn = c.title;
    return this;
  }
  build(): InfluxQLQuery {
    return this.q;
  }
}
