/**
 * CRC-32 (IEEE), as the spool's line checksum (device-reporter/spool/line-codec.ts). Lua 5.1 has
 * no bit operators, so XOR is done a byte at a time through a 256×256-free nibble table.
 */
const XOR4: number[] = [];
for (let a = 0; a < 16; a++)
  for (let b = 0; b < 16; b++) {
    let r = 0;
    for (let bit = 1; bit < 16; bit *= 2) if (Math.floor(a / bit) % 2 !== Math.floor(b / bit) % 2) r += bit;
    XOR4[a * 16 + b] = r;
  }

function xor8(a: number, b: number): number {
  return XOR4[Math.floor(a / 16) * 16 + Math.floor(b / 16)]! * 16 + XOR4[(a % 16) * 16 + (b % 16)]!;
}

function xor32(a: number, b: number): number {
  let r = 0;
  let scale = 1;
  for (let i = 0; i < 4; i++) {
    r += xor8(a % 256, b % 256) * scale;
    a = Math.floor(a / 256);
    b = Math.floor(b / 256);
    scale *= 256;
  }
  return r;
}

const TABLE: number[] = [];
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c % 2 === 1 ? xor32(0xedb88320, Math.floor(c / 2)) : Math.floor(c / 2);
  TABLE[n] = c;
}

/** CRC-32 of the bytes of `text`. */
export function crc32(text: string): number {
  let crc = 0xffffffff;
  for (let i = 1; i <= text.length; i++) {
    const byte = string.byte(text, i);
    crc = xor32(TABLE[xor8(crc % 256, byte)]!, Math.floor(crc / 256));
  }
  return xor32(crc, 0xffffffff);
}
