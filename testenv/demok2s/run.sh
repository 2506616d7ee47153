#!/bin/bash
# Key to screen (filter keystroke, sort change) at 50k in tmux, in-process
# demo (inproc) or `demo serve` in another process (oop), plus the demo
# process CPU over 30 idle seconds. Example:
#   testenv/demok2s/run.sh a ./stackpit inproc 20; testenv/demok2s/run.sh b ./stackpit oop 20
# usage: run.sh NAME BINARY inproc|oop [N]
set -u
name=$1 bin=$2 mode=$3 n=${4:-10}
sock=${TMPDIR:-/tmp}/demok2s-$name.sock
rm -rf ${TMPDIR:-/tmp}/demok2s-$name.d; mkdir -p ${TMPDIR:-/tmp}/demok2s-$name.d
env="XDG_CONFIG_HOME=${TMPDIR:-/tmp}/demok2s-$name.d/cfg XDG_STATE_HOME=${TMPDIR:-/tmp}/demok2s-$name.d/st NO_COLOR="
if [ $mode = oop ]; then
  $bin demo serve --scale 50000 --config-out ${TMPDIR:-/tmp}/demok2s-$name.d/demo.yaml >${TMPDIR:-/tmp}/demok2s-$name.d/serve.log 2>&1 &
  spid=$!
  until grep -q ready ${TMPDIR:-/tmp}/demok2s-$name.d/serve.log; do sleep 0.2; done
  args="--config ${TMPDIR:-/tmp}/demok2s-$name.d/demo.yaml --cloud demo"
else
  args="--demo --demo-scale 50000"
fi
t0=$(date +%s.%N)
tmux -S $sock new-session -d -s s -x 120 -y 40 "env $env ${PROF:-} $bin $args; echo EXITED \$?; sleep 600"
until tmux -S $sock capture-pane -p -t s | grep -q "50000/50000 servers"; do sleep 0.05; done
t1=$(date +%s.%N)
echo "$name: all 50000 on screen after $(echo "$t1 - $t0" | bc) s"
sleep 15
if [ $mode = oop ]; then
  cpu() { awk '{print $14+$15}' /proc/$spid/stat; }
  c0=$(cpu); sleep 30; c1=$(cpu)
  echo "$name: demo serve CPU over 30 s idle (10 refreshes of 3 s): $(( (c1-c0)*10 )) ms"
fi
python3 $(dirname "$0")/k2s.py $sock s $n
tmux -S $sock send-keys -t s q
sleep 1
tmux -S $sock kill-server
[ $mode = oop ] && kill $spid
true
