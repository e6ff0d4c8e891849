package dev.meridian.router.admin;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tests against a running router and its admin API with the default fixture
 * ({@link AdminFixture#start(Path)}), started in a new directory before each test and stopped
 * after it (a subclass's own {@code @AfterEach} runs first).
 */
abstract class RunningAdminTest {

    @TempDir
    Path dir;

    AdminFixture admin;

    @BeforeEach
    void startAdmin() {
        admin = AdminFixture.start(dir);
    }

    @AfterEach
    void stopAdmin() {
        admin.close();
    }
}
