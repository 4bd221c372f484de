#!/bin/sh
# sa-identity: runs sa-identity.jar (beside this script) with the class-data sharing archive
# sa-identity.jsa that the build made for it, which starts one-shot commands in about half the time.
# The JVM maps the archive only if this very JVM build made it for this very jar (same path, size
# and time); otherwise it ignores it and the command runs exactly as `java -jar sa-identity.jar`.
# JAVA_HOME selects the JVM (else `java` on the PATH); JAVA_OPTS adds JVM options.
dir=$(dirname -- "$0")
case $dir in
  /*) ;;
  *) dir=$(pwd)/$dir ;;
esac
jar=$dir/sa-identity.jar
jsa=$dir/sa-identity.jsa
if [ -n "$JAVA_HOME" ]; then java=$JAVA_HOME/bin/java; else java=java; fi
# One-shot commands run for a fraction of a second: the C1 compiler alone suffices. The long-running
# ones (the fake cluster, the demo that starts one) keep the optimising compiler.
case $1 in
  fake-cluster|demo) jit=-XX:+TieredCompilation ;;
  *) jit=-XX:TieredStopAtLevel=1 ;;
esac
if [ -f "$jsa" ]; then
  # -Xshare:auto: an archive that does not fit is skipped, and -Xlog:cds*=off keeps that silent.
  # shellcheck disable=SC2086
  exec "$java" "-XX:SharedArchiveFile=$jsa" -Xshare:auto -Xlog:cds=off -Xlog:cds+dynamic=off $jit -XX:+UseSerialGC \
    -XX:-UsePerfData $JAVA_OPTS -jar "$jar" "$@"
fi
# shellcheck disable=SC2086
exec "$java" $jit -XX:+UseSerialGC -XX:-UsePerfData $JAVA_OPTS -jar "$jar" "$@"
