package uk.gov.ida.eventrecorder.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * One Linux {@code /proc/<pid>/stat} (or {@code /proc/<pid>/task/<tid>/stat}) read for the benchmarks: the process's
 * or thread's name and the CPU it has used. Times are in clock ticks, read as hundredths of a second (USER_HZ = 100
 * on every Linux this runs on).
 */
public record ProcStat(String name, long cpuMillis) {
    /** Empty when the process or thread has gone (or this is not Linux). */
    public static Optional<ProcStat> read(Path statFile) {
        try {
            String stat = Files.readString(statFile);
            int close = stat.lastIndexOf(')'); // the name may hold spaces and parentheses
            String[] f = stat.substring(close + 2).split(" ");
            // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name
            return Optional.of(new ProcStat(stat.substring(stat.indexOf('(') + 1, close),
                    (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10));
        } catch (IOException | RuntimeException gone) {
            return Optional.empty();
        }
    }
}
