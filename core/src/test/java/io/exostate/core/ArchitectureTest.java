package io.exostate.core;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaCall;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.EpochMicroClock;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.NanoClock;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import static com.tngtech.archunit.core.domain.AccessTarget.Predicates.declaredIn;
import static com.tngtech.archunit.core.domain.JavaCall.Predicates.target;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.assignableTo;
import static com.tngtech.archunit.core.domain.properties.HasName.Predicates.name;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * The rules that keep replicas identical (DESIGN "Rules for the replicated state machine", STYLE habit 1), checked on
 * the production classes of {@code core}: the deterministic packages read no clock and no hidden random source and
 * stay off the infrastructure libraries, and {@code core} knows nothing of the modules built on it.
 * <p>
 * Each rule was seen failing on a deliberately violating class before it was trusted.
 */
@AnalyzeClasses(packages = "io.exostate.core", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest
{
    /** The packages whose code runs inside apply (or compiles what apply runs): a pure function of the commands. */
    private static final String[] DETERMINISTIC = {
        "io.exostate.core.engine..", "io.exostate.core.template..", "io.exostate.core.model.."};

    @ArchTest
    static final ArchRule deterministicCodeReadsNoClock = noClasses()
        .that().resideInAnyPackage(DETERMINISTIC)
        .should().callMethod(System.class, "currentTimeMillis")
        .orShould().callMethod(System.class, "nanoTime")
        .orShould().callMethodWhere(staticNow(Instant.class))
        .orShould().callMethodWhere(staticNow(LocalDateTime.class))
        .orShould().callMethodWhere(staticNow(LocalDate.class))
        .orShould().callMethodWhere(staticNow(LocalTime.class))
        .orShould().callMethodWhere(staticNow(ZonedDateTime.class))
        .orShould().callMethodWhere(staticNow(OffsetDateTime.class))
        .orShould().callMethodWhere(anyMethodOf(Clock.class))
        .orShould().callMethodWhere(anyMethodOf(EpochClock.class))
        .orShould().callMethodWhere(anyMethodOf(EpochMicroClock.class))
        .orShould().callMethodWhere(anyMethodOf(EpochNanoClock.class))
        .orShould().callMethodWhere(anyMethodOf(NanoClock.class))
        .because("time comes on commands: the engine never reads a clock (DESIGN, STYLE habit 1)");

    @ArchTest
    static final ArchRule deterministicCodeUsesNoHiddenRandomness = noClasses()
        .that().resideInAnyPackage(DETERMINISTIC)
        .should().callMethod(Math.class, "random")
        .orShould().callMethod(StrictMath.class, "random")
        .orShould().callConstructorWhere(constructorOf(Random.class))
        .orShould().callConstructorWhere(constructorOf(SplittableRandom.class))
        .orShould().dependOnClassesThat().areAssignableTo(ThreadLocalRandom.class)
        .orShould().dependOnClassesThat().areAssignableTo(SecureRandom.class)
        .orShould().callMethod(UUID.class, "randomUUID")
        .because("ids come from counters and retry jitter from a mixer seeded by (run, state, attempt) (DESIGN)");

    @ArchTest
    static final ArchRule deterministicCodeStaysOffTheInfrastructure = noClasses()
        .that().resideInAnyPackage(DETERMINISTIC)
        .should().dependOnClassesThat()
        .resideInAnyPackage("io.netty..", "org.apache.ratis..", "net.openhft..", "com.fasterxml.jackson..")
        .because("the engine speaks its own vocabulary; transport, consensus, journal and JSON live at the edge");

    @ArchTest
    static final ArchRule coreKnowsNothingOfTheModulesBuiltOnIt = noClasses()
        .that().resideInAPackage("io.exostate.core..")
        .should().dependOnClassesThat()
        .resideInAnyPackage("io.exostate.transport..", "io.exostate.raft..", "io.exostate.server..")
        .because("core is the bottom of the module graph (DESIGN, Modules)");

    private static DescribedPredicate<JavaCall<?>> staticNow(final Class<?> type)
    {
        return target(declaredIn(type).and(name("now"))).as(type.getSimpleName() + ".now(..)");
    }

    private static DescribedPredicate<JavaCall<?>> anyMethodOf(final Class<?> type)
    {
        return target(declaredIn(assignableTo(type))).as("a method of " + type.getName());
    }

    private static DescribedPredicate<JavaCall<?>> constructorOf(final Class<?> type)
    {
        return target(declaredIn(assignableTo(type))).as("new " + type.getName() + "(..)");
    }
}
