package uk.gov.ida.eventrecorder.bench;

import uk.gov.ida.eventrecorder.testing.ProcStat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Where a benchmark's CPU went, from Linux's {@code /proc}: the whole machine's busy time, and PostgreSQL's (every
 * process named {@code postgres}: the backends serving the run's connections, which outlive a measurement). Jiffies
 * are read as hundredths of a second (USER_HZ), as on every Linux this runs on.
 */
final class Cpu {
    private static final double MILLIS_A_TICK = 10.0;

    /** CPU used between a {@link Mark} and {@link Mark#since()}. */
    record Use(long busyMillis, long totalMillis, long postgresMillis, long selfMillis) {
        double busyPercent() {
            return totalMillis == 0 ? 0 : 100.0 * busyMillis / totalMillis;
        }
    }

    /**
     * {@code busy}, {@code total}: the machine's jiffies; {@code postgres} and {@code self} (this JVM: the emulated
     * event source and the queue server): milliseconds.
     */
    record Mark(long busy, long total, long postgres, long self) {
        Use since() {
            Mark now = mark();
            return new Use(Math.round((now.busy - busy) * MILLIS_A_TICK),
                    Math.round((now.total - total) * MILLIS_A_TICK),
                    now.postgres - postgres, now.self - self);
        }
    }

    private Cpu() {
    }

    static Mark mark() {
        try {
            // cpu  user nice system idle iowait irq softirq steal …
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < Math.min(f.length, 9); i++) {
                total += Long.parseLong(f[i]);
            }
            long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
            return new Mark(total - idle, total, postgres(), self());
        } catch (IOException | RuntimeException e) {
            return new Mark(0, 0, 0, self()); // not Linux: the machine's figures read 0
        }
    }

    private static long self() {
        return ProcessHandle.current().info().totalCpuDuration().map(java.time.Duration::toMillis).orElse(0L);
    }

    private static long postgres() throws IOException {
        try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
            return processes.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
                    .map(p -> ProcStat.read(p.resolve("stat"))).flatMap(java.util.Optional::stream)
                    .filter(p -> p.name().equals("postgres")).mapToLong(ProcStat::cpuMillis).sum();
        }
    }
}
