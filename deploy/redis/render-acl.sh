#!/bin/sh
# render-acl.sh TEMPLATE OUTPUT [COMMAND [ARG...]]
#
# Renders Keygate's Redis ACL template (deploy/redis/users.acl) into a file redis-server can load with
# --aclfile, then, if a command follows, execs it (the container entrypoint use:
#   render-acl.sh /keygate/redis/users.acl /run/keygate/users.acl redis-server --aclfile /run/keygate/users.acl).
#
#  - Comment lines (#...) and blank lines are dropped: Redis ACL files have no comments.
#  - Every #${VARIABLE} becomes # and the SHA-256 (hex) of the password: the value of $VARIABLE, or the
#    content of the file that ${VARIABLE}_FILE names (a mounted secret; one trailing newline is
#    dropped). Unset, empty or shorter than 16 characters: refused, nothing is written. The rendered
#    file holds hashes only, never a password; it is written with mode 600.
#  - KEYGATE_REDIS_NAMESPACE (default kg, as keygate.*.redis-namespace): ~kg:* (and ~kg:usage:*) and &kg:* become
#    ~<namespace>:* and &<namespace>:*.
#  - +client|setinfo is dropped unless the redis-server that will load the file ($KEYGATE_REDIS_SERVER,
#    default redis-server on the PATH) is 7.2 or newer: older servers refuse the whole file for a
#    subcommand they do not know.
#  - %R~ and %RW~ key permissions (Redis 7.0+: the gateway user reads everything, writes only the
#    usage counters) become one plain ~kg:* for an older redis-server, which does not know them: the
#    gateway user may then write anything under the namespace; the gateway user's selector (its
#    node registry rules, in parentheses) joins its root rules, so it may then also publish on the
#    invalidation channel. A warning says so; run Redis 7 for the read-only gateway user (the
#    embedded Redis 6.2 of a local run is the one case).
#
# POSIX sh only (busybox, dash, bash); needs sha256sum, shasum or openssl. Prints no secret.
set -eu

fail() {
    echo "render-acl.sh: $*" >&2
    exit 1
}

[ $# -ge 2 ] || fail "usage: render-acl.sh TEMPLATE OUTPUT [COMMAND [ARG...]]"
template=$1
output=$2
shift 2
[ -r "$template" ] || fail "cannot read the template $template"

namespace=${KEYGATE_REDIS_NAMESPACE:-kg}
printf '%s\n' "$namespace" | grep -Eq '^[a-z][a-z0-9-]{0,31}$' ||
    fail "KEYGATE_REDIS_NAMESPACE must match [a-z][a-z0-9-]{0,31}, not '$namespace'"

sha256() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum | cut -d' ' -f1
    elif command -v shasum >/dev/null 2>&1; then
        shasum -a 256 | cut -d' ' -f1
    elif command -v openssl >/dev/null 2>&1; then
        openssl dgst -sha256 -r | cut -d' ' -f1
    else
        fail "no sha256sum, shasum or openssl to hash the passwords with"
    fi
}

# password_hash NAME: the SHA-256 of $NAME, or of the content of the file ${NAME}_FILE names.
password_hash() {
    name=$1
    eval "value=\${$name:-}"
    eval "file=\${${name}_FILE:-}"
    if [ -n "$file" ]; then
        [ -r "$file" ] || fail "${name}_FILE names $file, which cannot be read"
        value=$(cat "$file")
    fi
    [ -n "$value" ] || fail "$name is not set (nor ${name}_FILE): set a random password, e.g. openssl rand -base64 32"
    [ "${#value}" -ge 16 ] || fail "$name must have at least 16 characters"
    hash=$(printf '%s' "$value" | sha256)
    printf '%s\n' "$hash" | grep -Eq '^[0-9a-f]{64}$' || fail "could not hash $name"
    printf '%s' "$hash"
}

# Whether the target redis-server knows key permissions (%R~, %RW~: 7.0+).
selectors_known() {
    server=${KEYGATE_REDIS_SERVER:-redis-server}
    command -v "$server" >/dev/null 2>&1 || [ -x "$server" ] || return 0
    version=$("$server" --version 2>/dev/null | sed -n 's/.* v=\([0-9]*\)\..*/\1/p') || return 0
    [ -n "$version" ] || return 0
    [ "$version" -ge 7 ]
}

# Whether the target redis-server knows CLIENT SETINFO (7.2+).
setinfo_known() {
    server=${KEYGATE_REDIS_SERVER:-redis-server}
    version=$("$server" --version 2>/dev/null | sed -n 's/.* v=\([0-9]*\)\.\([0-9]*\).*/\1 \2/p') || return 1
    [ -n "$version" ] || return 1
    set -- $version
    [ "$1" -gt 7 ] || { [ "$1" -eq 7 ] && [ "$2" -ge 2 ]; }
}

script="s/~kg:/~$namespace:/g; s/&kg:/\\&$namespace:/g"
for variable in $(grep -v '^[[:space:]]*#' "$template" | grep -o '#\${[A-Za-z_][A-Za-z0-9_]*}' | sed 's/^#\${\(.*\)}$/\1/' | sort -u); do
    hash=$(password_hash "$variable")
    script="$script; s/#\\\${$variable}/#$hash/g"
done
if ! setinfo_known; then
    script="$script; s/ +client|setinfo//g"
fi
if ! selectors_known; then
    echo "render-acl.sh: WARNING: this redis-server predates Redis 7.0 key permissions; the gateway user may write anything under $namespace: and publish invalidations (run Redis 7 to keep it to the usage counters and the node registry)" >&2
    # no selectors either: their rules join the root rules, and ~kg:* covers their keys
    script="$script; s/ (\([^)]*\))/ \1/g; s/ %R~\([^ ]*\)/ ~\1/g; s/ %RW~[^ ]*//g"
fi

umask 077
partial=$output.partial.$$
grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$template" | sed "$script" >"$partial"
if grep -q '\${' "$partial"; then
    rm -f "$partial"
    fail "a placeholder was left unrendered in $template"
fi
mv -f "$partial" "$output"

if [ $# -gt 0 ]; then
    exec "$@"
fi
