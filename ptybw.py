import os, pty, select, sys, time
ending = sys.argv[1]
pid, fd = pty.fork()
if pid == 0:
    os.execv('/bin/sh', ['sh', '-c', 'bwrap --dev-bind / / --unshare-pid /bin/sh -i; echo AFTER; read line; echo "GOT=$line"'])
def read_until(marker, seconds=10):
    seen = b''
    end = time.time() + seconds
    while marker not in seen and time.time() < end:
        if select.select([fd], [], [], 0.1)[0]:
            try: data = os.read(fd, 4096)
            except OSError: break
            if not data: break
            seen += data
    return seen
seen = read_until(b'# ')
os.write(fd, ending.encode() + b'\n')
seen += read_until(b'AFTER')
os.write(fd, b'hello\n')
seen += read_until(b'GOT=hello', 3)
os.kill(pid, 9); os.waitpid(pid, 0)
print(repr(seen[-120:]), 'OK' if b'GOT=hello' in seen else 'LOST')
