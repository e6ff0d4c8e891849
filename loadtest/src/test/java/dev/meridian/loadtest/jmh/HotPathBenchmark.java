package dev.meridian.loadtest.jmh;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * How every hot-path benchmark runs, written once: average time per operation in nanoseconds,
 * 3 warm-up and 5 measured iterations of 1 s, one fork, one state per benchmark. JMH's annotations
 * are {@code @Inherited}, so a subclass states only its own set-up and benchmarks, and may
 * override any of these (command-line options override them all: {@code loadtest/jmh -f 3 -i 10}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public abstract class HotPathBenchmark {
}
