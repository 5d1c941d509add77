#!/usr/bin/env bash
# Benchmarks of the mounted filesystem (root, for /dev/fuse):
#  1. warm read: open+read+close of an unchanged credentials file, against
#     the same bytes on tmpfs, in the same run (ratio; target <= 1.5x);
#  2. scale: 10,000 profiles: mount-to-ready time, ls time, RSS after the
#     mount and after 1,000 profiles were resolved (targets: < 200 ms,
#     < 32 MiB);
#  3. herd: 1,000 concurrent first reads over 100 profiles: STS calls
#     made, p50/p99 read latency.
#   tests/bench/bench-fs.sh [BUILD_DIR] [CYCLES]
# Not a test: the figures go to BENCHMARKS.md.
set -eu
build=${1:-build}
cycles=${2:-20000}
cd "$(dirname "$0")/../.."
py=/usr/bin/python3
bin=$PWD/$build/awscredsfs
tmp=$(mktemp -d /tmp/acfs-bench-fs.XXXXXX)
emu= mnt= fspid=
cleanup() {
	if [ -n "$mnt" ] && grep -q " $mnt " /proc/mounts; then
		fusermount3 -u "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || true
	fi
	[ -n "$fspid" ] && kill "$fspid" 2>/dev/null && wait "$fspid" 2>/dev/null
	[ -n "$emu" ] && kill "$emu" 2>/dev/null && wait "$emu" 2>/dev/null
	rm -rf "$tmp" /dev/shm/acfs-bench-$$
	true
}
trap cleanup EXIT
ms() { awk -v n="$1" 'BEGIN { printf "%.1f", n / 1e6 }'; }

iss=https://oidc.eks.us-east-1.amazonaws.com/id/BENCH
prov=arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/BENCH
cat > "$tmp/world.json" <<JSON
{"oidc_providers": [{"arn": "$prov", "issuer": "$iss", "client_ids": ["sts.amazonaws.com"]}],
 "roles": [{"arn": "arn:aws:iam::111122223333:role/account-a-role",
            "trust": [{"federated": "$prov", "sub": "system:serviceaccount:default:app",
                       "aud": "sts.amazonaws.com"}]},
           {"arn": "arn:aws:iam::444455556666:role/account-b-role",
            "trust": [{"principal": "arn:aws:iam::111122223333:role/account-a-role"}]}]}
JSON
$py tests/emulator/sts_emulator.py mint-token --iss "$iss" \
	--sub system:serviceaccount:default:app --aud sts.amazonaws.com --ttl 86400 > "$tmp/token"
$py tests/emulator/sts_emulator.py --world "$tmp/world.json" --port 0 \
	--port-file "$tmp/port" --log "$tmp/sts.log" --quiet &
emu=$!
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
export AWS_ENDPOINT_URL_STS=http://127.0.0.1:$(cat "$tmp/port")
unset AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_CA_BUNDLE

# mount CONFIG: mounts on $mnt in the foreground mode, in the background;
# sets fspid and ready_ms (the ms until the mount was listed).
mount_fs() {
	mnt=$tmp/mnt
	mkdir -p "$mnt"
	: > "$tmp/credentials"
	local t0 t1
	t0=$(date +%s%N)
	"$bin" "$mnt" -f -o "config=$1,credentials=$tmp/credentials" 2> "$tmp/fs.log" &
	fspid=$!
	for _ in $(seq 2000); do
		grep -q " $mnt fuse" /proc/mounts && break
		sleep 0.001
	done
	t1=$(date +%s%N)
	grep -q " $mnt fuse" /proc/mounts || { echo "mount failed:"; cat "$tmp/fs.log"; exit 1; }
	ready_ms=$(ms $((t1 - t0)))
}
umount_fs() {
	fusermount3 -u "$mnt"
	wait "$fspid" 2>/dev/null || true
	fspid=
}
rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$fspid/status"; }

echo "== 1. warm read: open+read+close x $cycles"
chain() { # chain N: N profiles p0..p(N-1), each an AssumeRole of role B with
	  # its own session name on one shared web identity hop
	{
		echo "[profile base]"
		echo "role_arn = arn:aws:iam::111122223333:role/account-a-role"
		echo "web_identity_token_file = $tmp/token"
		for i in $(seq 0 $(($1 - 1))); do
			printf '[profile p%d]\nrole_arn = arn:aws:iam::444455556666:role/account-b-role\nsource_profile = base\nrole_session_name = s-%d\n' "$i" "$i"
		done
	} > "$tmp/config.$1"
}
chain 1
mount_fs "$tmp/config.1"
cat "$mnt/p0/credentials" > /dev/shm/acfs-bench-$$
fuse_ns=$("$build/tests/bench/readloop" "$mnt/p0/credentials" "$cycles")
tmpfs_ns=$("$build/tests/bench/readloop" /dev/shm/acfs-bench-$$ "$cycles")
fuse_ns2=$("$build/tests/bench/readloop" "$mnt/p0/credentials" "$cycles")
tmpfs_ns2=$("$build/tests/bench/readloop" /dev/shm/acfs-bench-$$ "$cycles")
echo "awscredsfs: $fuse_ns / $fuse_ns2 ns per cycle; tmpfs: $tmpfs_ns / $tmpfs_ns2 ns per cycle"
awk -v a="$fuse_ns" -v b="$tmpfs_ns" -v c="$fuse_ns2" -v d="$tmpfs_ns2" \
	'BEGIN { printf "ratio awscredsfs/tmpfs: %.2fx (runs: %.2fx, %.2fx)\n", (a + c) / (b + d), a / b, c / d }'
umount_fs

echo "== 2. scale: 10,000 profiles"
chain 10000
mount_fs "$tmp/config.10000"
echo "mount to ready: $ready_ms ms (foreground start, until the mount is listed)"
t0=$(date +%s%N)
n=$(ls "$mnt" | wc -l)
t1=$(date +%s%N)
echo "ls: $n entries in $(ms $((t1 - t0))) ms"
echo "RSS after mount: $(( $(rss_kib) / 1024 )) MiB ($(rss_kib) KiB)"
before=$(grep -c '"AssumeRole"' "$tmp/sts.log" || true)
t0=$(date +%s%N)
for i in $(seq 0 999); do cat "$mnt/p$i/credentials"; done > /dev/null
t1=$(date +%s%N)
after=$(grep -c '"AssumeRole"' "$tmp/sts.log" || true)
echo "1,000 profiles resolved in $(ms $((t1 - t0))) ms ($((after - before)) AssumeRole calls)"
echo "RSS after 1,000 resolved: $(( $(rss_kib) / 1024 )) MiB ($(rss_kib) KiB)"
umount_fs

echo "== 3. herd: 1,000 concurrent first reads over 100 profiles"
chain 100
mount_fs "$tmp/config.100"
: > "$tmp/sts.log.mark"
before=$(wc -l < "$tmp/sts.log")
$py - "$mnt" <<'PY'
import sys, threading, time
mnt = sys.argv[1]
lat, errors = [], []
start = threading.Barrier(1000)
def read(i):
    start.wait()
    t0 = time.perf_counter()
    try:
        with open("%s/p%d/credentials" % (mnt, i % 100)) as f:
            f.read()
    except OSError as e:
        errors.append(e)
    lat.append(time.perf_counter() - t0)
ts = [threading.Thread(target=read, args=(i,)) for i in range(1000)]
for t in ts: t.start()
for t in ts: t.join()
lat.sort()
print("reads: %d, errors: %d, p50 %.1f ms, p99 %.1f ms, max %.1f ms" % (
    len(lat), len(errors), lat[len(lat) // 2] * 1e3, lat[int(len(lat) * 0.99)] * 1e3, lat[-1] * 1e3))
PY
after=$(wc -l < "$tmp/sts.log")
web=$(tail -n +$((before + 1)) "$tmp/sts.log" | grep -c AssumeRoleWithWebIdentity || true)
ar=$(tail -n +$((before + 1)) "$tmp/sts.log" | grep -c '"action": "AssumeRole"\|"action":"AssumeRole"' || true)
echo "STS calls: $((after - before)) ($web AssumeRoleWithWebIdentity; ideal: 1 + 100)"
umount_fs
