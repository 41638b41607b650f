#!/bin/sh
# Starts the kernel runner from the runner bundle mounted read-only at /opt/kernel.
# The flags keep the JVM small: one GC thread, a 64 MiB heap, only the C1 compiler, the class
# data sharing archive built into the bundle's JRE, and no hsperfdata file in /tmp.
# NOTE: exec makes the JVM PID 1 unless an init starts this script: the agent uses the bundle's
# jail/bai-init, or Docker's --init. The JVM does not reap orphaned processes, so without an init,
# background processes of user code stay zombies after they exit.
# libbainodump.so makes the JVM not dumpable, so that user code, which runs as the same user,
# cannot open its /proc/PID/mem or trace it; it drops itself from LD_PRELOAD before the JVM starts.
if [ -r /opt/kernel/jail/libbainodump.so ]; then
    export LD_PRELOAD=/opt/kernel/jail/libbainodump.so
fi
exec /opt/kernel/jre/bin/java \
    -XX:+UseSerialGC \
    -Xmx64m \
    -XX:TieredStopAtLevel=1 \
    -Xshare:auto \
    -XX:-UsePerfData \
    -XX:+ExitOnOutOfMemoryError \
    -jar /opt/kernel/runner.jar "$@"
