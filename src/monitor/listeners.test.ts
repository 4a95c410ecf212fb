import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { listenersOn, parseListeners, socketInode, socketInodes } from './listeners.js';

const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 2109078 1 0000000067fe1218 100 0 0 10 0
   1: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1562 1 00000000dd047756 100 0 0 10 0
   2: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000  1000        0 2110000 1 0000000000000000 20 4 30 10 -1
   3: 0100007F:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 0 1 0000000000000000 100 0 0 10 0
`;

const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:1F91 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 333 1 0000000000000000 100 0 0 10 0
   1: 00000000000000000000000001000000:1F92 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 334 1 0000000000000000 100 0 0 10 0
   2: 0000000000000000FFFF00000100007F:1F93 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 335 1 0000000000000000 100 0 0 10 0
`;

describe('parseListeners', () => {
  it('keeps the listening IPv4 sockets with an inode, with address, port and inode', () => {
    expect(parseListeners(TCP)).toEqual([
      { address: '127.0.0.1', port: 8080, inode: 2109078 },
      { address: '0.0.0.0', port: 2024, inode: 1562 },
    ]);
  });

  it('reads IPv6 addresses: any, loopback, and IPv4-mapped', () => {
    expect(parseListeners(TCP6)).toEqual([
      { address: '::', port: 8081, inode: 333 },
      { address: '::1', port: 8082, inode: 334 },
      { address: '::ffff:127.0.0.1', port: 8083, inode: 335 },
    ]);
  });

  it('ignores a header alone, blank lines and garbage', () => {
    expect(parseListeners('  sl  local_address\n\n  nonsense line\n')).toEqual([]);
  });
});

describe('socketInode', () => {
  it('reads the inode of a socket link and nothing else', () => {
    expect(socketInode('socket:[2109078]')).toBe(2109078);
    expect(socketInode('pipe:[12]')).toBeUndefined();
    expect(socketInode('/dev/null')).toBeUndefined();
  });
});

describe.runIf(process.platform === 'linux')('listenersOn and socketInodes (this process)', () => {
  it('finds the socket this process listens on, among its own descriptors', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as net.AddressInfo;
      const found = await listenersOn(port);
      expect(found.length).toBe(1);
      expect(found[0]).toMatchObject({ address: '127.0.0.1', port });
      const mine = await socketInodes(process.pid);
      expect(mine?.has(found[0]!.inode)).toBe(true);
    } finally {
      server.close();
    }
  });
});
