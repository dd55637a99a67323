#!/usr/bin/env bash
# Builds a minimal Java 17 base image as a tar (docker-save format) from this machine's own JDK, for
# building and trying the hook's image where no container registry is reachable:
#
#   tools/offline-base-image.sh target/base-image.tar
#   mvn -Pimage package -Dimage.base=tar://$PWD/target/base-image.tar
#
# It holds a jlink'ed runtime (the modules jdeps finds in the shaded jar), the shared libraries that
# runtime loads (found with ldd), /etc/passwd with the nonroot user 65532 and a /tmp. Releases use the
# distroless base named in pom.xml instead; this one is a stand-in for tests, with no package updates.
set -euo pipefail
out=${1:-target/base-image.tar}
jar=${JAR:-target/xrootd-hook.jar}
java_home=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}
[ -f "$jar" ] || { echo "$jar not found: run mvn package first" >&2; exit 1; }
[ -d "$java_home/jmods" ] || { echo "$java_home has no jmods: jlink needs a full JDK" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/rootfs
mkdir -p "$root"

modules=$("$java_home/bin/jdeps" --print-module-deps --ignore-missing-deps --multi-release 17 "$jar")
modules="$modules,java.management,jdk.crypto.ec,jdk.zipfs"
"$java_home/bin/jlink" --module-path "$java_home/jmods" --add-modules "$modules" \
  --strip-debug --no-header-files --no-man-pages --compress=2 --output "$root/opt/java"

# Every shared library the runtime loads, at the path the dynamic linker looks for it.
find "$root/opt/java" -type f \( -name '*.so' -o -path '*/bin/*' \) -print0 |
  xargs -0 -n1 ldd 2>/dev/null |
  awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\/.*[^:]$/ { print $1 }' | sort -u |
  while read -r lib; do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
# Loaded with dlopen, so ldd does not list them.
for lib in /lib/x86_64-linux-gnu/libnss_files.so.2 /lib/x86_64-linux-gnu/libnss_dns.so.2 /lib/x86_64-linux-gnu/libresolv.so.2; do
  [ -e "$lib" ] && { mkdir -p "$root$(dirname "$lib")"; cp -L "$lib" "$root$lib"; }
done

mkdir -p "$root/etc" "$root/tmp" "$root/home/nonroot"
chmod 1777 "$root/tmp"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' > "$root/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' > "$root/etc/group"
printf 'hosts: files dns\n' > "$root/etc/nsswitch.conf"
chown 65532:65532 "$root/home/nonroot" 2>/dev/null || true

image=$work/image
mkdir -p "$image"
tar --sort=name --mtime=@0 --numeric-owner --owner=0 --group=0 -C "$root" -cf "$image/layer.tar" .
diff_id=sha256:$(sha256sum "$image/layer.tar" | cut -d' ' -f1)
cat > "$image/config.json" <<JSON
{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/opt/java/bin:/usr/bin:/bin","JAVA_HOME=/opt/java"],"User":"65532:65532"},"rootfs":{"type":"layers","diff_ids":["$diff_id"]},"history":[{"created_by":"tools/offline-base-image.sh (jlink: $modules)"}]}
JSON
cat > "$image/manifest.json" <<JSON
[{"Config":"config.json","RepoTags":["xrootd-hook-base:offline"],"Layers":["layer.tar"]}]
JSON
mkdir -p "$(dirname "$out")"
tar --sort=name --mtime=@0 --numeric-owner --owner=0 --group=0 -C "$image" -cf "$out" manifest.json config.json layer.tar
echo "$out: $(du -h "$out" | cut -f1), modules $modules"
