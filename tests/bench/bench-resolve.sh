#!/usr/bin/env bash
# Benchmark: resolve the 2-hop seed chain (web identity -> role A ->
# role B) against the bundled STS emulator on loopback, and compare in
# the same run with the AWS CLI v2 and with botocore doing the same chain.
#   tests/bench/bench-resolve.sh [BUILD_DIR] [RUNS]
# Prints the figures BENCHMARKS.md records.  Not a test.
set -eu
build=${1:-build}
runs=${2:-10}
cd "$(dirname "$0")/../.."
top=$PWD
py=/usr/bin/python3
tmp=$(mktemp -d /tmp/acfs-bench-resolve.XXXXXX)
emu=
cleanup() {
	[ -n "$emu" ] && kill "$emu" 2>/dev/null && wait "$emu" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

iss=https://oidc.eks.us-east-1.amazonaws.com/id/BENCH
cat > "$tmp/world.json" <<JSON
{"oidc_providers": [{"arn": "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/BENCH",
                     "issuer": "$iss", "client_ids": ["sts.amazonaws.com"]}],
 "roles": [{"arn": "arn:aws:iam::111122223333:role/account-a-role",
            "trust": [{"federated": "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/BENCH",
                       "sub": "system:serviceaccount:default:app", "aud": "sts.amazonaws.com"}]},
           {"arn": "arn:aws:iam::444455556666:role/account-b-role",
            "trust": [{"principal": "arn:aws:iam::111122223333:role/account-a-role"}]}]}
JSON
$py tests/emulator/sts_emulator.py mint-token --iss "$iss" \
	--sub system:serviceaccount:default:app --aud sts.amazonaws.com --ttl 86400 > "$tmp/token"
$py tests/emulator/sts_emulator.py --world "$tmp/world.json" --port 0 \
	--port-file "$tmp/port" --quiet &
emu=$!
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
port=$(cat "$tmp/port")
url=http://127.0.0.1:$port
cat > "$tmp/config" <<INI
[profile account_b_role]
source_profile = account_a_role
role_arn = arn:aws:iam::444455556666:role/account-b-role

[profile account_a_role]
web_identity_token_file = $tmp/token
role_arn = arn:aws:iam::111122223333:role/account-a-role
INI
: > "$tmp/credentials"
export AWS_ENDPOINT_URL_STS=$url AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 HOME=$tmp
unset AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN

ms() { awk -v n="$1" 'BEGIN { printf "%.2f", n / 1e6 }'; }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

echo "== awscredsfs --resolve (whole process, cold: one web identity call and one AssumeRole)"
for r in $(seq "$runs"); do
	t0=$(date +%s%N)
	"$build/awscredsfs" --resolve account_b_role --config "$tmp/config" \
		--credentials "$tmp/credentials" > /dev/null
	echo $(( $(date +%s%N) - t0 ))
done > "$tmp/acfs.times"
acfs=$(median < "$tmp/acfs.times")
echo "median $(ms "$acfs") ms over $runs runs"

echo "== in one process: cold resolve, then $((runs * 5)) more on the same connections"
"$build/tests/bench/bench_resolve" "$tmp/config" "$tmp/credentials" account_b_role $((runs * 5)) | tee "$tmp/inproc"

echo "== AWS CLI v2 doing the same chain (two aws sts calls, as a script would)"
for r in $(seq "$runs"); do
	t0=$(date +%s%N)
	out=$(aws sts assume-role-with-web-identity --endpoint-url "$url" \
		--role-arn arn:aws:iam::111122223333:role/account-a-role \
		--role-session-name bench --web-identity-token "$(cat "$tmp/token")" \
		--query Credentials --output text)
	read -r ak _ sk tok <<<"$out"
	AWS_ACCESS_KEY_ID=$ak AWS_SECRET_ACCESS_KEY=$sk AWS_SESSION_TOKEN=$tok \
		aws sts assume-role --endpoint-url "$url" \
		--role-arn arn:aws:iam::444455556666:role/account-b-role \
		--role-session-name bench --output text --query Credentials.AccessKeyId > /dev/null
	echo $(( $(date +%s%N) - t0 ))
done > "$tmp/cli.times"
cli=$(median < "$tmp/cli.times")
echo "median $(ms "$cli") ms over $runs runs"

echo "== botocore (Debian's) doing the same chain in one process"
$py - "$url" "$tmp/token" "$((runs * 5))" <<'PY'
import sys, time
import botocore.session
from botocore.config import Config
url, token_file, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
from botocore import UNSIGNED
def chain(sess):
    cfg = Config(region_name="us-east-1")
    sts = sess.create_client("sts", endpoint_url=url,
                             config=Config(region_name="us-east-1", signature_version=UNSIGNED))
    a = sts.assume_role_with_web_identity(RoleArn="arn:aws:iam::111122223333:role/account-a-role",
        RoleSessionName="bench", WebIdentityToken=open(token_file).read().strip())["Credentials"]
    b = sess.create_client("sts", endpoint_url=url, config=cfg,
        aws_access_key_id=a["AccessKeyId"], aws_secret_access_key=a["SecretAccessKey"],
        aws_session_token=a["SessionToken"])
    return b.assume_role(RoleArn="arn:aws:iam::444455556666:role/account-b-role",
                         RoleSessionName="bench")["Credentials"]["AccessKeyId"]
t0 = time.perf_counter()
sess = botocore.session.get_session()
chain(sess)
cold = time.perf_counter() - t0
warm = []
for _ in range(n):
    t0 = time.perf_counter()
    chain(sess)
    warm.append(time.perf_counter() - t0)
warm.sort()
print("cold_us=%d warm_us_median=%d (import of botocore not included)" % (cold * 1e6, warm[len(warm) // 2] * 1e6))
PY

echo "== ratios"
awk -v a="$acfs" -v c="$cli" 'BEGIN { printf "AWS CLI chain / awscredsfs --resolve (whole processes, cold): %.1fx\n", c / a }'
