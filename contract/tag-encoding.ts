/**
 * Names (interfaces, targets, policies) may contain any character, but InfluxDB line protocol cannot
 * carry a newline in a tag value and breaks on a trailing backslash. We therefore percent-encode
 * exactly the characters line protocol cannot take (`%`, `\`, CR, LF and other C0 controls) before
 * writing a tag, and decode when reading. Everything else (spaces, commas, `=`, quotes, non-ASCII)
 * is left to the line-protocol escaping of the writer, so ordinary names look the same in Grafana.
 *
 * | input        | tag value   |
 * |--------------|-------------|
 * | `eth0`       | `eth0`      |
 * | `wan 1,a=b"` | `wan 1,a=b"` (escaped by the writer) |
 * | `a\b`        | `a%5Cb`     |
 * | `x\ny`       | `x%0Ay`     |
 * | `50%`        | `50%25`     |
 */
export function encodeTagValue(value: string): string {
  return value.replace(
    // Control characters are exactly what must be encoded here.
    // eslint-disable-next-line no-control-regex
    /[%\\\u0000-\u001f\u007f]/g,
    (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'),
  );
}

export function decodeTagValue(value: string): string {
  return value.replace(/%([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}
