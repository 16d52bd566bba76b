/** Redis Cluster's slot count. */
const slots = 16384;

/**
 * The Redis Cluster slot of a key (or of a shard channel): CRC16 (XMODEM) of the
 * key, or of its hash tag, the part between the first `{` and the next `}` when
 * that part is not empty; modulo 16384. As Redis's `keyHashSlot()`.
 */
export function hashSlot(key: string): number {
  let bytes = Buffer.from(key, 'utf8');
  const open = bytes.indexOf(0x7b); // {
  if (open !== -1) {
    const close = bytes.indexOf(0x7d, open + 1); // }
    if (close > open + 1) bytes = bytes.subarray(open + 1, close);
  }
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % slots;
}
