package uk.gov.ida.eventrecorder.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** What the build's migrations are, read from its sources, so that a test does not write down their count. */
public final class Migrations {
    private Migrations() {
    }

    /**
     * The highest version among the SQL migrations the build ships (the latest is always SQL), from the sources: the
     * integration tests see the classes as the packaged jar, not a folder.
     */
    public static int latest() {
        try (Stream<Path> files = Files.list(Path.of("src/main/resources/db/migration"))) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.matches("V\\d+__.*\\.sql"))
                    .mapToInt(n -> Integer.parseInt(n.substring(1, n.indexOf("__")))).max().orElseThrow();
        } catch (Exception e) {
            throw new IllegalStateException("cannot list src/main/resources/db/migration", e);
        }
    }
}
