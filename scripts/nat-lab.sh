#!/usr/bin/env bash
# NAT lab: real NATs in Linux network namespaces, for the holepunch tests and benchmark.
#
#   nat-lab.sh check                                   namespaces + nftables usable? (exit 0 / 2)
#   nat-lab.sh up <prefix>                             the "internet": <prefix>-inet with a bridge
#   nat-lab.sh site <prefix> <n> <open|consistent|random|firewall>
#                                                      (re)create site n: <prefix>-r<n> + <prefix>-h<n>
#   nat-lab.sh down <prefix>                           kill every lab process, delete the namespaces
#
# Topology (private ranges only):
#   <prefix>-inet   bridge br0 10.77.0.1/24: the DHT nodes bind there; routes to open sites
#   <prefix>-r<n>   router: wan 10.77.0.(20+n) on the bridge, lan towards the host
#   <prefix>-h<n>   host: eth0, default route via the router
#   NAT sites (consistent, random) put the host on 192.168.<n>.0/24 behind the router's wan
#   address; open and firewall sites give the host a routed "public" 10.78.<n>.2.
# Every interface is created inside its namespace (ip -n), so nothing is named in the root
# namespace and two labs with different prefixes never collide.
#
# Progress goes to stderr; results are JSON on stdout.

set -euo pipefail

readonly BRIDGE_HOST=10.77.0.1
readonly BRIDGE_NET=10.77.0
readonly PUBLIC_NET=10.78
readonly LAN_NET=192.168
readonly WAN_OFFSET=20

log() {
  printf 'nat-lab: %s\n' "$*" >&2
}

# Runs a command after logging it.
run() {
  log "$*"
  "$@"
}

fail() {
  log "$1"
  exit "${2:-1}"
}

usage() {
  fail "usage: nat-lab.sh check | up <prefix> | site <prefix> <n> <type> | down <prefix>" 1
}

valid_prefix() {
  # short, so "<prefix>-inet" and friends stay readable and within interface-name limits
  [[ $1 =~ ^[a-z][a-z0-9]{0,9}$ ]] || fail "bad prefix '$1' (want [a-z][a-z0-9]{0,9})" 1
}

ns_exists() {
  ip netns list | awk '{print $1}' | grep -qx -- "$1"
}

# Ends every process living in namespace $1 (TERM, then KILL for stragglers), then deletes it.
delete_ns() {
  local ns=$1 pids _
  ns_exists "$ns" || return 0
  pids=$(ip netns pids "$ns" 2>/dev/null || true)
  if [[ -n $pids ]]; then
    log "kill $(echo "$pids" | tr '\n' ' ')(in $ns)"
    # shellcheck disable=SC2086 # one pid per word
    kill -TERM $pids 2>/dev/null || true
    for _ in 1 2 3 4 5 6 7 8 9 10; do
      pids=$(ip netns pids "$ns" 2>/dev/null || true)
      if [[ -z $pids ]]; then break; fi
      sleep 0.1
    done
    if [[ -n $pids ]]; then
      log "kill -KILL $(echo "$pids" | tr '\n' ' ')(in $ns)"
      # shellcheck disable=SC2086
      kill -KILL $pids 2>/dev/null || true
    fi
  fi
  run ip netns del "$ns" || true
}

# --- check -----------------------------------------------------------------------------------

# One-line reason on stderr, the same as JSON on stdout, exit 2: the lab cannot run here.
unusable() {
  log "$1"
  printf '{ "ok": false, "reason": "%s" }\n' "$1"
  exit 2
}

cmd_check() {
  local probe="nlchk$$"
  [[ $EUID -eq 0 ]] || unusable "not root (network namespaces need CAP_SYS_ADMIN)"
  command -v ip >/dev/null || unusable "no 'ip' command (iproute2)"
  if ! command -v nft >/dev/null; then
    command -v apt-get >/dev/null || unusable "no 'nft' command and no apt-get to install nftables"
    log "nft missing: installing nftables"
    { apt-get update && apt-get install -y nftables; } >&2 || unusable "installing nftables failed"
    command -v nft >/dev/null || unusable "no 'nft' command after installing nftables"
  fi
  ip netns del "$probe" 2>/dev/null || true
  ip netns add "$probe" 2>/dev/null || unusable "cannot create a network namespace"
  # a probe of everything a site needs: veth, bridge, a NAT ruleset with the guard chain
  local reason=''
  if ! ip -n "$probe" link add wan type veth peer name lan 2>/dev/null; then
    reason="cannot create veth pairs in a namespace"
  elif ! ip -n "$probe" link add br0 type bridge 2>/dev/null; then
    reason="cannot create a bridge in a namespace"
  elif ! nft_rules random | ip netns exec "$probe" nft -f - 2>/dev/null; then
    reason="nftables NAT rules cannot be loaded in a namespace (nf_nat / nf_conntrack missing?)"
  fi
  ip netns del "$probe"
  [[ -z $reason ]] || unusable "$reason"
  log "ok: namespaces, veth, bridge and nftables NAT work"
  printf '{ "ok": true }\n'
}

# --- nftables rulesets -------------------------------------------------------------------------

# The router ruleset of a site type.
#
# The guard chain drops unsolicited inbound packets at priority -150: after conntrack (-200) has
# attached a *tentative* entry to the packet, before dstnat (-100). Conntrack only inserts
# ("confirms") an entry into its table at the very end of the path (the confirm hook at
# INT_MAX in postrouting / input), so a packet dropped here takes its entry with it and leaves no
# trace. Checked in this lab: after an unsolicited datagram to the router's wan port P, the host's
# first datagram out from port P is still mapped to P. Without the guard (the router itself
# answers, or a later filter accepts), the inbound flow gets confirmed, its reply tuple occupies
# wan:P, and masquerade must pick another port for the host: a first punch packet would then
# break the consistent NAT it is trying to punch through.
nft_rules() {
  local type=$1 guard='' nat=''
  case $type in
  open) ;;
  consistent)
    guard='iifname "wan" ct state { new, invalid } drop'
    # masquerade keeps the source port when that tuple is free: endpoint-independent mapping
    nat='oifname "wan" masquerade'
    ;;
  random)
    guard='iifname "wan" ct state { new, invalid } drop'
    # a fresh random port for every new flow (every destination)
    nat='oifname "wan" masquerade fully-random'
    ;;
  firewall)
    guard='iifname "wan" ct state { new, invalid } drop'
    ;;
  *) fail "unknown site type '$type' (open, consistent, random, firewall)" 1 ;;
  esac
  cat <<EOF
table inet natlab {
  chain guard {
    type filter hook prerouting priority -150; policy accept;
    $guard
  }
  chain dstnat {
    type nat hook prerouting priority dstnat; policy accept;
  }
  chain srcnat {
    type nat hook postrouting priority srcnat; policy accept;
    $nat
  }
}
EOF
}

# --- up ----------------------------------------------------------------------------------------

cmd_up() {
  local prefix=$1 inet
  valid_prefix "$prefix"
  inet="$prefix-inet"
  if ns_exists "$inet" && ip -n "$inet" -4 addr show dev br0 2>/dev/null | grep -q "$BRIDGE_HOST/"; then
    log "$inet is up already"
  else
    delete_ns "$inet"
    trap 'log "up failed: removing $inet"; ip netns del "$inet" 2>/dev/null || true' EXIT
    run ip netns add "$inet"
    run ip -n "$inet" link set lo up
    # a fixed MAC: a bridge otherwise takes its lowest port's, which changes whenever a site is
    # (re)created, leaving every other router's ARP entry for the bridge address stale for seconds
    run ip -n "$inet" link add br0 address 02:77:00:00:00:01 type bridge
    run ip -n "$inet" addr add "$BRIDGE_HOST/24" dev br0
    run ip -n "$inet" link set br0 up
    # routes to the open and firewall sites' public subnets go back out of br0 to their router
    run ip netns exec "$inet" sysctl -qw net.ipv4.ip_forward=1
    run ip netns exec "$inet" sysctl -qw net.ipv4.conf.all.send_redirects=0
    run ip netns exec "$inet" sysctl -qw net.ipv4.conf.br0.send_redirects=0
    trap - EXIT
  fi
  printf '{ "inet": "%s", "host": "%s" }\n' "$inet" "$BRIDGE_HOST"
}

# --- site --------------------------------------------------------------------------------------

cmd_site() {
  local prefix=$1 n=$2 type=$3 inet router host wan lan_router lan_host port rules
  valid_prefix "$prefix"
  [[ $n =~ ^[1-9][0-9]{0,2}$ && $n -le 200 ]] || fail "bad site '$n' (want 1..200)" 1
  rules=$(nft_rules "$type")
  inet="$prefix-inet"
  router="$prefix-r$n"
  host="$prefix-h$n"
  port="s$n"
  wan="$BRIDGE_NET.$((WAN_OFFSET + n))"
  ns_exists "$inet" || fail "$inet does not exist: run 'nat-lab.sh up $prefix' first" 1

  # fresh namespaces every time, so no conntrack state survives from an earlier combination
  delete_ns "$host"
  delete_ns "$router"
  ip -n "$inet" link del "$port" 2>/dev/null || true
  ip -n "$inet" route del "$PUBLIC_NET.$n.0/24" 2>/dev/null || true

  trap 'log "site failed: removing $router and $host"
    ip netns del "$host" 2>/dev/null || true
    ip netns del "$router" 2>/dev/null || true
    ip -n "$inet" route del "$PUBLIC_NET.$n.0/24" 2>/dev/null || true' EXIT

  run ip netns add "$router"
  run ip netns add "$host"
  run ip -n "$router" link set lo up
  run ip -n "$host" link set lo up

  # a MAC fixed per site: a recreated router is the same neighbour for the internet's ARP cache
  run ip -n "$router" link add wan address "$(printf '02:77:00:00:01:%02x' "$n")" \
    type veth peer name "$port" netns "$inet"
  run ip -n "$inet" link set "$port" master br0
  run ip -n "$inet" link set "$port" up
  run ip -n "$router" addr add "$wan/24" dev wan
  run ip -n "$router" link set wan up

  run ip -n "$router" link add lan type veth peer name eth0 netns "$host"
  if [[ $type == open || $type == firewall ]]; then
    lan_router="$PUBLIC_NET.$n.1"
    lan_host="$PUBLIC_NET.$n.2"
    run ip -n "$inet" route replace "$PUBLIC_NET.$n.0/24" via "$wan" dev br0
  else
    lan_router="$LAN_NET.$n.1"
    lan_host="$LAN_NET.$n.2"
  fi
  run ip -n "$router" addr add "$lan_router/24" dev lan
  run ip -n "$router" link set lan up
  run ip -n "$host" addr add "$lan_host/24" dev eth0
  run ip -n "$host" link set eth0 up
  run ip -n "$host" route add default via "$lan_router"
  # other sites' public subnets are reached through the internet namespace's routes
  run ip -n "$router" route add default via "$BRIDGE_HOST"
  run ip netns exec "$router" sysctl -qw net.ipv4.ip_forward=1

  log "nft ($type) in $router"
  printf '%s\n' "$rules" | ip netns exec "$router" nft -f -
  trap - EXIT

  local public=$wan
  [[ $type == open || $type == firewall ]] && public=$lan_host
  printf '{ "ns": "%s", "router": "%s", "type": "%s", "lanHost": "%s", "publicHost": "%s" }\n' \
    "$host" "$router" "$type" "$lan_host" "$public"
}

# --- down --------------------------------------------------------------------------------------

cmd_down() {
  local prefix=$1 ns
  valid_prefix "$prefix"
  # hosts and routers first, the internet (and its bridge) last
  for ns in $(ip netns list | awk '{print $1}' | grep -E -- "^$prefix-[hr][0-9]+$" || true); do
    delete_ns "$ns"
  done
  delete_ns "$prefix-inet"
  printf '{ "down": "%s" }\n' "$prefix"
}

main() {
  if [[ $# -lt 1 ]]; then usage; fi
  local cmd=$1
  shift
  case "$cmd:$#" in
  check:0) cmd_check ;;
  up:1) cmd_up "$1" ;;
  site:3) cmd_site "$1" "$2" "$3" ;;
  down:1) cmd_down "$1" ;;
  *) usage ;;
  esac
}

main "$@"
