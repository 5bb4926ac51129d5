#!/bin/sh
# Sleeps a random time under a second, then says when it woke.
set -eu
delay=$(awk -v seed="$$" 'BEGIN { srand(seed); printf "%.2f", rand() }')
sleep "$delay"
echo "sleeper $1 woke after ${delay}s at $(date +%T)"
