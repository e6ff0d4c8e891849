package dev.meridian.router.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The search list and ndots, read and applied the way glibc does. */
class ResolvConfTest {

    private static final ResolvConf KUBERNETES = ResolvConf.parse("""
            nameserver 10.96.0.10
            search gitlab.svc.cluster.local svc.cluster.local cluster.local
            options ndots:5
            """);

    @Test
    void aKubernetesPodTriesTheSearchDomainsFirstForAServiceName() {
        assertThat(KUBERNETES.search()).containsExactly("gitlab.svc.cluster.local", "svc.cluster.local", "cluster.local");
        assertThat(KUBERNETES.ndots()).isEqualTo(5);
        assertThat(KUBERNETES.candidates("ai-gateway")).containsExactly(
                "ai-gateway.gitlab.svc.cluster.local", "ai-gateway.svc.cluster.local", "ai-gateway.cluster.local", "ai-gateway");
    }

    @Test
    void aNameWithEnoughDotsIsTriedAsItIsFirstAndAnAbsoluteNameOnly() {
        ResolvConf conf = ResolvConf.parse("search corp.example\n");
        assertThat(conf.ndots()).isEqualTo(1);
        assertThat(conf.candidates("gw.a.run.app")).containsExactly("gw.a.run.app", "gw.a.run.app.corp.example");
        assertThat(conf.candidates("gw")).containsExactly("gw.corp.example", "gw");
        assertThat(KUBERNETES.candidates("ai-gateway.gitlab.svc.cluster.local.")).containsExactly("ai-gateway.gitlab.svc.cluster.local.");
    }

    @Test
    void theLastSearchOrDomainLineWinsAndOddLinesAreIgnored() {
        ResolvConf conf = ResolvConf.parse("""
                # comment
                ; also a comment
                search a.example B.example.
                domain c.example
                options ndots:x timeout:2 ndots:20 rotate
                sortlist 10.0.0.0/8
                """);

        assertThat(conf.search()).containsExactly("c.example");
        assertThat(conf.ndots()).as("capped at 15 like glibc").isEqualTo(15);
        assertThat(ResolvConf.parse("").candidates("gw")).containsExactly("gw");
        assertThat(ResolvConf.parse("search A.example.  b.example\n").search()).containsExactly("a.example", "b.example");
    }
}
