# The example's unit tests: the app prints what it should.
out=$(sh "$(dirname "$0")/app.sh")
[ "$out" = "example app running" ] || { echo "unexpected output: $out"; exit 1; }
echo "tests passed"
