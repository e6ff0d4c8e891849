#!/usr/bin/env python3
"""Groups `perf report --stdio --sort dso,sym` output (samples per symbol) into categories."""
import re, sys, collections
groups = collections.Counter(); total = 0; top = []
rules = [
    ('kernel: interrupts (pvm_irq_enable)', lambda d, s: d.startswith('[kernel') and 'pvm_irq_enable' in s),
    ('kernel: other', lambda d, s: d.startswith('[kernel')),
    ('OpenSSL (libcrypto/libssl, tcnative)', lambda d, s: 'libcrypto' in d or 'libssl' in d or 'tcnative' in d),
    ('JVM (libjvm: GC, JIT, interpreter)', lambda d, s: 'libjvm' in d),
    ('libc', lambda d, s: 'libc' in d),
    ('vDSO (clock)', lambda d, s: 'vdso' in d),
    ('Java: TLS (io.netty.handler.ssl, sun.security, javax.crypto, com.sun.crypto)', lambda d, s: re.search(r'io\.netty\.handler\.ssl|sun\.security|javax\.crypto|com\.sun\.crypto|SSL|Ssl', s)),
    ('Java: HTTP/2 codec (io.netty.handler.codec.http2)', lambda d, s: 'codec.http2' in s),
    ('Java: HTTP/1 codec (io.netty.handler.codec.http)', lambda d, s: 'codec.http' in s),
    ('Java: Netty channel/pipeline/epoll', lambda d, s: re.search(r'io\.netty\.(channel|util\.concurrent)', s)),
    ('Java: Netty buffers', lambda d, s: 'io.netty.buffer' in s),
    ('Java: Meridian (dev.meridian)', lambda d, s: 'dev.meridian' in s),
    ('Java: other (JDK, Netty util, interpreter stubs)', lambda d, s: True),
]
for line in open(sys.argv[1]):
    m = re.match(r'\s+([\d.]+)%\s+(\d+)\s+(.+?)\s+\[[.k]\]\s+(.*)$', line)
    if not m:
        continue
    samples = int(m.group(2)); dso = m.group(3); sym = m.group(4)
    total += samples
    for name, rule in rules:
        if rule(dso, sym):
            groups[name] += samples
            break
    top.append((samples, dso, sym[:110]))
per_req = float(sys.argv[2]) if len(sys.argv) > 2 else None  # CPU µs per unit of work, to scale the shares
print(f'{total} samples')
for name, n in groups.most_common():
    extra = f'  ≈ {per_req * n / total:.1f} µs' if per_req else ''
    print(f'{100 * n / total:5.1f} %  {name}{extra}')
print('\ntop 25 symbols:')
for n, d, s in sorted(top, reverse=True)[:25]:
    print(f'{100 * n / total:5.1f} %  {d[:20]:20s} {s}')
