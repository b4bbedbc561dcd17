#!/usr/bin/env bash
# Runs one experiment on a FedActors cluster on this machine: a coordinator and N client nodes on 127.0.0.1
# with ephemeral ports; client node k hosts share k/N of fedactors.data.clients (`--clients k/N`). Every
# node gets the same options, so all run the same experiment. Prints the coordinator's output, waits for
# its run and for the client nodes to leave, and on any exit (Ctrl+C included) stops what it started.
#
#   tools/local-cluster.sh [-n N] <options of `fedactors node`: --config F, --set k=v, --seed S, --out DIR>
#   e.g. tools/local-cluster.sh -n 2 --set 'fedactors.arms=["fl+ssl"]' --set fedactors.engine.trainer-slots=2 --out runs/cluster
#
# Exit status: the coordinator's (0 done, 2 bad input, 1 run failed). Node logs stay in a temporary folder
# it names. The program: $FEDACTORS (default: tools/fedactors).
set -euo pipefail

nodes=3
if [[ "${1:-}" == "-n" ]]; then nodes="$2"; shift 2; fi
[[ "$nodes" =~ ^[1-9][0-9]*$ ]] || { echo "local-cluster: -n needs a positive number of client nodes" >&2; exit 2; }
fedactors="${FEDACTORS:-$(dirname "${BASH_SOURCE[0]}")/fedactors}"
logs="$(mktemp -d "${TMPDIR:-/tmp}/fedactors-cluster.XXXXXX")"
pids=()

stop() {
    # SIGTERM: a node leaves the cluster gracefully; whatever is still up 20 s later is killed.
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for _ in $(seq 100); do
        alive=0
        for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        [[ $alive == 0 ]] && break
        sleep 0.2
    done
    for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    echo "local-cluster: node logs in $logs" >&2
}
trap stop EXIT
trap 'exit 130' INT TERM

: >"$logs/coordinator.log"
"$fedactors" node --role coordinator --port 0 "$@" >>"$logs/coordinator.log" 2>&1 &
coordinator=$!
pids+=("$coordinator")
tail -n +1 -f --pid="$coordinator" "$logs/coordinator.log" &
pids+=("$!")

# The coordinator says its address once its node is up (or it ends on bad input first).
seed=""
until seed="$(grep -oE -m1 'akka(\.ssl)?\.tcp://[^ ,]*' "$logs/coordinator.log")"; do
    if ! kill -0 "$coordinator" 2>/dev/null; then
        rc=0; wait "$coordinator" || rc=$?
        exit "$rc"
    fi
    sleep 0.2
done

clients=()
for k in $(seq "$nodes"); do
    "$fedactors" node --role client --seed-nodes "$seed" --clients "$k/$nodes" "$@" >"$logs/client-$k.log" 2>&1 &
    clients+=("$!")
    pids+=("$!")
done

# A client node that fails (bad share, bad data) would leave the coordinator waiting: stop then.
reaped=()
while kill -0 "$coordinator" 2>/dev/null; do
    for k in $(seq "$nodes"); do
        pid="${clients[$((k - 1))]}"
        if [[ -z "${reaped[$k]:-}" ]] && ! kill -0 "$pid" 2>/dev/null; then
            reaped[$k]=1
            rc=0; wait "$pid" || rc=$?
            if [[ $rc != 0 ]]; then
                echo "local-cluster: client node $k exited with $rc:" >&2
                tail -n 5 "$logs/client-$k.log" >&2
                exit 1
            fi
        fi
    done
    sleep 1
done
rc=0; wait "$coordinator" || rc=$?

# Client nodes leave on their own once the coordinator has left.
for _ in $(seq 150); do
    alive=0
    for pid in "${clients[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [[ $alive == 0 ]] && break
    sleep 0.2
done
exit "$rc"
