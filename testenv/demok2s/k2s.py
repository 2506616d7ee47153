#!/usr/bin/env python3
"""key-to-screen in a running tmux session: filter keystrokes and sort changes.
usage: k2s.py SOCK SESSION N"""
import subprocess, sys, time, re, statistics
sock, sess, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
def cap():
    return subprocess.run(["tmux","-S",sock,"capture-pane","-p","-t",sess],capture_output=True,text=True).stdout.split("\n")
def send(*k, lit=False):
    subprocess.run(["tmux","-S",sock,"send-keys","-t",sess]+(["-l"] if lit else [])+list(k))
def count(lines):
    m = re.search(r"(\d+)/(\d+) servers", lines[2] if len(lines)>2 else "")
    return m.group(1) if m else None
def wait(pred, timeout=60):
    t0=time.monotonic()
    while time.monotonic()-t0<timeout:
        l=cap()
        if pred(l): return time.monotonic()-t0
        time.sleep(0.002)
    return float("inf")
def pct(xs,p):
    xs=sorted(xs); return xs[min(len(xs)-1,int(p*len(xs)))]
# filter: the filter prompt holds "web-"; alternate typing "l" and backspace
send("Escape"); time.sleep(1); send("/"); send("web-",lit=True)
wait(lambda l: count(l) and count(l).startswith("10000/") or (count(l)=="10000"))
time.sleep(1)
fl=[]
for i in range(n):
    before=count(cap())
    t0=time.monotonic()
    send("l" if i%2==0 else "BSpace", lit=(i%2==0))
    d=wait(lambda l: count(l)!=before)
    fl.append(d*1000)
    time.sleep(0.3)
send("Enter"); time.sleep(0.5)
so=[]
for i in range(n):
    before=cap()[3]
    send(">")
    d=wait(lambda l: l[3]!=before)
    so.append(d*1000)
    time.sleep(0.3)
send("Escape")
print("filter ms: p50 %.0f p90 %.0f max %.0f  all %s" % (statistics.median(fl), pct(fl,.9), max(fl), [round(x) for x in fl]))
print("sort   ms: p50 %.0f p90 %.0f max %.0f  all %s" % (statistics.median(so), pct(so,.9), max(so), [round(x) for x in so]))
