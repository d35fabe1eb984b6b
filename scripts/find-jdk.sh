#!/usr/bin/env bash
# Prints the home of a JDK >= 21 (JAVA_HOME first, then the usual install folders), or fails with
# a message saying what is missing. Sourced by .ci/run and ./tributary.
tributary_find_jdk() {
  local candidate version best="" best_version=0
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* \
      "$HOME"/.sdkman/candidates/java/* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/javac" ] || continue
    version=$("$candidate/bin/java" -XshowSettings:properties -version 2>&1 \
      | awk -F'= ' '/java.specification.version/ {print $2}')
    version=${version%%.*}
    [[ "$version" =~ ^[0-9]+$ ]] || continue
    if [ "$version" -ge 21 ] && [ "$version" -gt "$best_version" ]; then
      best="$candidate"
      best_version="$version"
    fi
  done
  if [ -z "$best" ]; then
    echo "error: no JDK >= 21 found (looked at JAVA_HOME, /usr/lib/jvm, /usr/java, /opt, ~/.sdkman)." >&2
    echo "Tributary builds for Java 21: install one (e.g. 'apt-get install openjdk-21-jdk' or Temurin 21+)" >&2
    echo "or point JAVA_HOME at it." >&2
    return 1
  fi
  echo "$best"
}
