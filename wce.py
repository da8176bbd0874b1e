import subprocess, os, signal, time, sys
b=sys.argv[1]
def pre():
    os.setsid()
    signal.signal(signal.SIGINT, signal.SIG_DFL)
p=subprocess.Popen(['bash','-c',f'for i in 1 2; do ./{b} replay q.jsonl --out q.out; echo "{b} after $i rc=$?"; done; echo loop-done'],preexec_fn=pre)
time.sleep(1.5)
os.killpg(p.pid, signal.SIGINT)
p.wait(); print(b,'bash rc',p.returncode)
