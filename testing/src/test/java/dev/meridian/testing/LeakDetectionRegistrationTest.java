package dev.meridian.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.Extension;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Every test JVM that has this jar runs the leak extension: the service file lists it and the
 * parent pom switches JUnit's extension auto-detection on. The other modules rely on both.
 */
@ExtendWith(LeakDetectionRegistrationTest.Context.class)
class LeakDetectionRegistrationTest {

    @Test
    void theLeakExtensionIsAServiceAndAutoDetectionIsOn(ExtensionContext context) {
        assertThat(ServiceLoader.load(Extension.class).stream().map(p -> p.type().getName()))
                .as("META-INF/services/org.junit.jupiter.api.extension.Extension")
                .contains(LeakDetectionExtension.class.getName());
        assertThat(context.getConfigurationParameter("junit.jupiter.extensions.autodetection.enabled"))
                .as("set by the parent pom's surefire configuration").hasValue("true");
    }

    /** Hands the test its {@link ExtensionContext}, to read the configuration parameters. */
    static final class Context implements ParameterResolver {
        @Override
        public boolean supportsParameter(ParameterContext parameter, ExtensionContext extension) {
            return parameter.getParameter().getType() == ExtensionContext.class;
        }

        @Override
        public Object resolveParameter(ParameterContext parameter, ExtensionContext extension) {
            return extension;
        }
    }
}
