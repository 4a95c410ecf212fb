/**
 * A Zstandard frame that stores `data` as one raw (uncompressed) block (RFC 8878 §3.1.1): valid
 * input for any zstd decoder, made without an encoder, which Node 20's zlib does not have.
 */
export function zstdRawFrame(data: Buffer): Buffer {
  if (data.length >= 1 << 21) throw new Error('one raw block holds under 2 MiB');
  const magic = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
  // Frame header: Single_Segment_flag set, a 4-byte Frame_Content_Size, no checksum, no dictionary.
  const header = Buffer.alloc(5);
  header[0] = 0b1010_0000;
  header.writeUInt32LE(data.length, 1);
  // Block header (3 bytes, little-endian): Last_Block = 1, Block_Type = 0 (raw), Block_Size.
  const block = (data.length << 3) | 1;
  const blockHeader = Buffer.from([block & 0xff, (block >> 8) & 0xff, (block >> 16) & 0xff]);
  return Buffer.concat([magic, header, blockHeader, data]);
}
