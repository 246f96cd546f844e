package uk.gov.ida.eventrecorder.lambda;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The classes the SnapStart priming loads before the checkpoint, so that a restored copy's first batch does not: a name
 * that no longer exists (a dependency renamed an internal class) would silently prime nothing, so it fails here, and
 * the list is taken again from a restored copy's class-load log (docs/performance.md, "SnapStart restore").
 */
class RestoreClassesTest {
    @Test
    void everyClassTheRestoredCopyLoadedExistsAndIsPrimed() {
        List<String> names = RecorderContainer.restoreClasses();
        assertTrue(names.size() > 100, "the list is read: " + names.size());
        List<String> missing = new ArrayList<>();
        for (String name : names) {
            try {
                Class.forName(name, false, RecorderContainer.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                missing.add(name);
            }
        }
        assertEquals(List.of(), missing);
    }

    @Test
    void theListLeavesOutTheRecordersOwnHiddenJdkInternalAndJdkNestedClasses() {
        for (String name : RecorderContainer.restoreClasses()) {
            assertTrue(!name.startsWith("uk.gov.ida.") && !name.contains("$$Lambda") && !name.startsWith("jdk.")
                    && !(name.startsWith("java.") && name.contains("$")), name);
        }
    }
}
