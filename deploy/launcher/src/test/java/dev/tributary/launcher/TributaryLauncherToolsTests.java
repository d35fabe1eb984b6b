package dev.tributary.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which arguments run a tool instead of starting the system. */
class TributaryLauncherToolsTests {

    @Test
    void startsTheSystemAsBeforeWithoutArgumentsOrWithArgumentsThatNameNoTool() {
        assertThat(TributaryLauncher.runTool(new String[0])).isNull();
        assertThat(TributaryLauncher.runTool(new String[] {"--verbose"})).isNull();
        assertThat(TributaryLauncher.runTool(new String[] {"administer"})).isNull();
    }

    @Test
    void runsTheAdminClientWhenTheFirstArgumentIsAdmin() {
        assertThat(TributaryLauncher.runTool(new String[] {"admin", "--help"})).isZero();
        assertThat(TributaryLauncher.runTool(new String[] {"admin", "no-such-command"}))
                .isEqualTo(2);
    }
}
