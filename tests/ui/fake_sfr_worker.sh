#!/bin/sh
# A fake `sfr serve` for tst_worker_client (copied into a temporary folder by the test). $1 picks
# the behaviour:
# - canned: prints a fixed set of lines (every message type, blank and malformed lines), a log
#   line on stderr, then dies with exit code 3;
# - run: a minimal worker for TrainingRunModel. start -> losses 1, 2; pause -> paused; resume ->
#   loss 3, then exit 3 (a crash, leaving a marker file next to this script). The next process
#   answers start (with resume) by repeating iterations 2 and 3 from its "checkpoint" (values
#   + 1), then 4 and finished;
# - clean: answers shutdown and exits 0.
# In run and clean modes every request line is appended to requests.log next to this script.
dir=$(dirname "$0")
echo "fake worker: started in mode $1" >&2
say() { printf '%s\n' "$1"; }
if [ "$1" = canned ]; then
  say '{"v":1,"id":1,"type":"reply","request":"hello","result":{"protocol":1,"version":"fake"}}'
  say 'this is not json'
  say '{"v":1,"id":2,"type":"error","request":"start","message":"run.data.labeled: unknown key"}'
  say '[1,2,3]'
  say '{"v":2,"id":3,"type":"reply","request":"hello","result":{}}'
  say '{"v":1,"id":4,"type":"teleport"}'
  say ''
  say '{"v":1,"id":4,"type":"state","state":"running"}'
  say '{"v":1,"id":4,"type":"progress","stage":"load","done":0,"total":0,"message":"loading","it_per_s":0,"eta_s":null}'
  say '{"v":1,"id":4,"type":"progress","stage":"train","done":5,"total":10,"message":"loss 0.5","it_per_s":2.5,"eta_s":2}'
  say '{"v":1,"id":4,"type":"loss","stage":"train","round":1,"iteration":5,"values":{"loss":0.5,"supervised":0.25}}'
  say '{"v":1,"id":4,"type":"metric","stage":"train","round":1,"name":"learning_rate","value":0.01,"iteration":5}'
  say '{"v":1,"id":4,"type":"metric","name":"finished","value":1,"path":"/runs/a/vnet_final.pt"}'
  say '{"v":1,"id":4,"type":"error","message":"out of memory"}'
  say '{"v":1,"id":4,"type":"state","state":"failed","message":"out of memory"}'
  echo "fake worker: crashing" >&2
  exit 3
fi
loss() { say "{\"v\":1,\"id\":$run,\"type\":\"loss\",\"stage\":\"train\",\"round\":0,\"iteration\":$1,\"values\":{\"loss\":$2}}"; }
run=0
while IFS= read -r line; do
  printf '%s\n' "$line" >> "$dir/requests.log"  # what the studio sent, for the tests to read
  id=$(printf '%s\n' "$line" | sed -n 's/.*"id":\([0-9][0-9]*\).*/\1/p')
  case "$line" in
    *'"type":"start"'*)
      run=$id
      say "{\"v\":1,\"id\":$id,\"type\":\"reply\",\"request\":\"start\",\"result\":{\"state\":\"running\"}}"
      say "{\"v\":1,\"id\":$run,\"type\":\"state\",\"state\":\"running\"}"
      if [ -e "$dir/crashed" ]; then
        loss 2 1.2; loss 3 1.3; loss 4 1.4
        say "{\"v\":1,\"id\":$run,\"type\":\"metric\",\"name\":\"finished\",\"value\":1,\"path\":\"$dir/vnet_final.pt\"}"
        say "{\"v\":1,\"id\":$run,\"type\":\"state\",\"state\":\"finished\"}"
      else
        say "{\"v\":1,\"id\":$run,\"type\":\"progress\",\"stage\":\"train\",\"done\":2,\"total\":4,\"message\":\"loss 0.2\",\"it_per_s\":4,\"eta_s\":0.5}"
        loss 1 0.1; loss 2 0.2
      fi ;;
    *'"type":"pause"'*)
      say "{\"v\":1,\"id\":$id,\"type\":\"reply\",\"request\":\"pause\",\"result\":{\"state\":\"pausing\"}}"
      say "{\"v\":1,\"id\":$run,\"type\":\"state\",\"state\":\"paused\"}" ;;
    *'"type":"resume"'*)
      say "{\"v\":1,\"id\":$id,\"type\":\"reply\",\"request\":\"resume\",\"result\":{\"state\":\"running\"}}"
      say "{\"v\":1,\"id\":$run,\"type\":\"state\",\"state\":\"running\"}"
      loss 3 0.3
      : > "$dir/crashed"
      echo "fake worker: simulated crash" >&2
      exit 3 ;;
    *'"type":"shutdown"'*)
      say "{\"v\":1,\"id\":$id,\"type\":\"reply\",\"request\":\"shutdown\",\"result\":{\"state\":\"idle\"}}"
      exit 0 ;;
  esac
done
exit 0
