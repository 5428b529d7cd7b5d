#!/usr/bin/env python3
"""tests/bench/delay_proxy.py MS - the bulk bench's wide-area stand-in: every
byte between exprobe and the lab's b17.test hosts and DNS is held MS
milliseconds each way. (netem would do this in the kernel; this machine's
kernel has no sch_netem, hence a userspace proxy.)

    DNS   127.0.17.2:53 udp+tcp   -> 127.0.1.1:53 (the lab's named)
    SMTP  127.0.17.110-.124:25    -> 127.0.17.10-.24:25 (Exim, mx0-14.b17.test)
    HTTPS 127.0.17.130-.132:443   -> 127.0.17.30-.32:443 (nginx, ad0-2.b17.test)
    HTTP  127.0.17.130-.132:80    -> 127.0.17.30-.32:8080 (the redirect to adK.slow)

TCP: the first bytes each way also wait one round trip (2 x MS) after the
accept, standing in for the handshake a real path would cost; afterwards each
chunk is forwarded MS after it arrived, in order; end-of-stream likewise.
Runs until SIGTERM. Used by tests/bench/bulk.py for the delayed rows.
"""

import asyncio
import collections
import signal
import socket
import sys

DNS_UP = ("127.0.1.1", 53)
DNS_ADDR = "127.0.17.2"


class Pipe:
    """One direction: chunks forwarded in order, each at its due time."""

    def __init__(self, loop, writer, delay, not_before):
        self.loop, self.writer, self.delay = loop, writer, delay
        self.not_before = not_before
        self.q = collections.deque()
        self.timer = None

    def push(self, data):          # data None = end of stream
        due = max(self.loop.time() + self.delay, self.not_before)
        self.q.append((due, data))
        if not self.timer:
            self.timer = self.loop.call_at(due, self.flush)

    def flush(self):
        self.timer = None
        now = self.loop.time()
        while self.q and self.q[0][0] <= now + 0.0005:
            _, data = self.q.popleft()
            try:
                if data is None:
                    if self.writer.can_write_eof():
                        self.writer.write_eof()
                else:
                    self.writer.write(data)
            except (OSError, RuntimeError):
                self.q.clear()
                return
        if self.q:
            self.timer = self.loop.call_at(self.q[0][0], self.flush)


async def pump(reader, pipe):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            pipe.push(data)
    except (OSError, asyncio.IncompleteReadError):
        pass
    pipe.push(None)


def tcp_handler(target, delay):
    async def handle(creader, cwriter):
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        try:
            ureader, uwriter = await asyncio.open_connection(*target)
        except OSError:
            cwriter.close()
            return
        up = Pipe(loop, uwriter, delay, t0 + 2 * delay)
        down = Pipe(loop, cwriter, delay, t0 + 2 * delay)
        try:
            await asyncio.gather(pump(creader, up), pump(ureader, down))
            await asyncio.sleep(delay + 0.01)
        except asyncio.CancelledError:
            pass
        for w in (uwriter, cwriter):
            w.close()
    return handle


class DnsUp(asyncio.DatagramProtocol):
    def __init__(self, front, client, delay):
        self.front, self.client, self.delay = front, client, delay

    def datagram_received(self, data, _addr):
        loop = asyncio.get_running_loop()
        loop.call_later(self.delay, self.front.sendto, data, self.client)


class DnsFront(asyncio.DatagramProtocol):
    def __init__(self, delay):
        self.delay = delay
        self.ups = {}

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, client):
        asyncio.get_running_loop().create_task(self.forward(data, client))

    async def forward(self, data, client):
        loop = asyncio.get_running_loop()
        up = self.ups.get(client)
        if up is None:
            up, _ = await loop.create_datagram_endpoint(
                lambda: DnsUp(self.transport, client, self.delay), remote_addr=DNS_UP)
            self.ups[client] = up
        loop.call_later(self.delay, up.sendto, data)


async def main(delay):
    loop = asyncio.get_running_loop()
    servers = []
    maps = [((DNS_ADDR, 53), DNS_UP)]
    maps += [(("127.0.17.%d" % (110 + k), 25), ("127.0.17.%d" % (10 + k), 25)) for k in range(15)]
    maps += [(("127.0.17.%d" % (130 + k), 443), ("127.0.17.%d" % (30 + k), 443)) for k in range(3)]
    maps += [(("127.0.17.%d" % (130 + k), 80), ("127.0.17.%d" % (30 + k), 8080)) for k in range(3)]
    for (addr, target) in maps:
        servers.append(await asyncio.start_server(tcp_handler(target, delay), *addr,
                                                  reuse_address=True, backlog=1024))
    await loop.create_datagram_endpoint(lambda: DnsFront(delay), local_addr=(DNS_ADDR, 53),
                                        family=socket.AF_INET)
    stop = loop.create_future()
    loop.add_signal_handler(signal.SIGTERM, stop.set_result, None)
    loop.add_signal_handler(signal.SIGINT, stop.set_result, None)
    print("delay_proxy: ready, %d ms each way" % int(delay * 1000), flush=True)
    await stop


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) / 1000.0))
