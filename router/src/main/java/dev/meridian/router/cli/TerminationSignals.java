package dev.meridian.router.cli;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a drain when the process is asked to stop (SIGTERM, SIGINT), so that the process then
 * exits 0 like a well-behaved service instead of 143 from the JVM's default handler.
 *
 * <p>{@code sun.misc.Signal} (module {@code jdk.unsupported}) is reached by reflection because
 * javac warns about it even with {@code --release}, and the build treats warnings as errors. Where
 * it is missing, a shutdown hook runs the same action (and the exit status is the JVM's).
 */
public final class TerminationSignals {

    private static final Logger log = LoggerFactory.getLogger(TerminationSignals.class);

    private TerminationSignals() {}

    /** Runs {@code action} once, on the first SIGTERM or SIGINT, on the signal's thread. */
    public static void onTermination(Runnable action) {
        AtomicBoolean ran = new AtomicBoolean();
        Runnable once = () -> {
            if (ran.compareAndSet(false, true)) {
                action.run();
            }
        };
        try {
            handle(List.of("TERM", "INT"), "draining", once);
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.debug("signal handlers unavailable ({}); using a shutdown hook", e.toString());
            Runtime.getRuntime().addShutdownHook(new Thread(once, "meridian-shutdown"));
        }
    }

    /**
     * Runs {@code action} on each of the signals named (without {@code SIG}), on the thread the JVM
     * starts for each signal delivered, after logging {@code "received SIGxxx; " + what}; replaces
     * the JVM's own handler for them.
     *
     * @return the signals of {@code names} that this process ignores and keeps ignoring: one ignored
     *     when the JVM started (as {@code nohup} does with SIGHUP) is left so by the JVM, silently
     * @throws ReflectiveOperationException when {@code sun.misc.Signal} is not there
     * @throws IllegalArgumentException when the JVM or the OS keeps one of the signals for itself
     */
    static List<String> handle(List<String> names, String what, Runnable action) throws ReflectiveOperationException {
        Class<?> signalType = Class.forName("sun.misc.Signal");
        Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
        InvocationHandler invocation = (proxy, method, args) -> dispatch(proxy, method, args, what, action);
        Object handler = Proxy.newProxyInstance(
                TerminationSignals.class.getClassLoader(), new Class<?>[] {handlerType}, invocation);
        Method handle = signalType.getMethod("handle", signalType, handlerType);
        Object ignore = handlerType.getField("SIG_IGN").get(null);
        List<String> ignored = new ArrayList<>();
        for (String name : names) {
            Object previous;
            try {
                previous = handle.invoke(null, signalType.getConstructor(String.class).newInstance(name), handler);
            } catch (InvocationTargetException e) {
                if (e.getCause() instanceof RuntimeException refused) {
                    throw refused; // "Signal already used by VM or OS": say that, not "invocation failed"
                }
                throw e;
            }
            if (previous == ignore) {
                ignored.add(name);
            }
        }
        return List.copyOf(ignored);
    }

    private static @Nullable Object dispatch(
            Object proxy, Method method, @Nullable Object @Nullable [] args, String what, Runnable action) {
        switch (method.getName()) {
            case "handle":
                log.info("received {}; {}", args == null ? "a signal" : args[0], what);
                action.run();
                return null;
            case "hashCode":
                return System.identityHashCode(proxy);
            case "equals":
                return args != null && proxy == args[0];
            case "toString":
                return "meridian-termination-handler";
            default:
                throw new UnsupportedOperationException(method.getName());
        }
    }
}
