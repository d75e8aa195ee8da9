/**
 * CRC-32 (IEEE), as the spool's line checksum (device-reporter/spool/line-codec.ts). Every record
 * is checksummed as it is spooled, so this is the lean build's hottest loop. It runs on zlib's
 * crc32 when lua-zlib is installed (it also gzips uploads), else on a bit library's C functions
 * (OpenWrt's `luabitop` gives `bit`, Debian's `lua-bit32` — which luaposix pulls in — `bit32`),
 * else on Lua 5.1 arithmetic (no bit operators: XOR a nibble at a time through a 16×16 table,
 * several times slower).
 */
interface BitLib {
  bxor(this: void, a: number, b: number): number;
  band(this: void, a: number, b: number): number;
  rshift(this: void, a: number, n: number): number;
}

type ZlibCrc = (this: void) => (this: void, text: string) => number;

function loadZlibCrc(): ZlibCrc | undefined {
  const [ok, lib] = pcall(require, 'zlib');
  return ok && typeof lib === 'object' && typeof (lib as { crc32?: unknown }).crc32 === 'function'
    ? (lib as { crc32: ZlibCrc }).crc32
    : undefined;
}

function loadBitLib(): BitLib | undefined {
  for (const name of ['bit', 'bit32']) {
    const [ok, lib] = pcall(require, name);
    if (ok && typeof lib === 'object') return lib as BitLib;
  }
  return undefined;
}

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

const BIT = loadBitLib();
const TABLE: number[] = [];
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++)
    if (BIT !== undefined) c = c % 2 === 1 ? BIT.bxor(0xedb88320, BIT.rshift(c, 1)) : BIT.rshift(c, 1);
    else c = c % 2 === 1 ? xor32(0xedb88320, Math.floor(c / 2)) : Math.floor(c / 2);
  TABLE[n] = c % 4294967296;
}

const ZLIB_CRC = loadZlibCrc();
const TWO_32 = 4294967296;

export type Crc32Impl = 'zlib' | 'bit' | 'arithmetic';

/** Which implementations this Lua installation has, fastest first. */
export function crc32Impls(): Crc32Impl[] {
  const out: Crc32Impl[] = [];
  if (ZLIB_CRC !== undefined) out.push('zlib');
  if (BIT !== undefined) out.push('bit');
  out.push('arithmetic');
  return out;
}

function crc32Arithmetic(text: string): number {
  let crc = 0xffffffff;
  for (let i = 1; i <= text.length; i++) {
    const byte = string.byte(text, i);
    crc = xor32(TABLE[xor8(crc % 256, byte)]!, Math.floor(crc / 256));
  }
  return xor32(crc, 0xffffffff);
}

/** CRC-32 of the bytes of `text`, as an unsigned 32-bit number; `impl` (tests) picks the way. */
export function crc32(text: string, impl?: Crc32Impl): number {
  if (ZLIB_CRC !== undefined && (impl === undefined || impl === 'zlib')) return ZLIB_CRC()(text);
  if (BIT === undefined || impl === 'arithmetic') return crc32Arithmetic(text);
  const { bxor, band, rshift } = BIT;
  let crc = 0xffffffff;
  for (let i = 1; i <= text.length; i++) crc = bxor(TABLE[band(bxor(crc, string.byte(text, i)), 255)]!, rshift(crc, 8));
  // LuaBitOp answers signed 32-bit numbers, bit32 unsigned ones: the same bits either way.
  return bxor(crc, 0xffffffff) % TWO_32;
}
