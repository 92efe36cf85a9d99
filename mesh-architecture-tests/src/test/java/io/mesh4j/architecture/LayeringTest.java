package io.mesh4j.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import java.util.Set;

/**
 * The layering of the modules, checked on their main classes:
 *
 * <pre>
 *   api  &lt;-  discovery | resilience | cache  &lt;-  client  &lt;-  examples
 *                                                          &lt;-  spring (Boot auto-configuration)
 *   testkit (stands alone)                              &lt;-  examples
 * </pre>
 *
 * <p>Arrows point down only; {@code mesh-api} knows no engine; no module reaches into another's
 * {@code internal} package, except the two shared helpers of {@code mesh-api} named in
 * {@link #SHARED_INTERNALS}; no package cycles, except a package with its own {@code internal}
 * package (the API names its default implementation, the implementation implements the API).
 */
@AnalyzeClasses(packages = "io.mesh4j", importOptions = ImportOption.DoNotIncludeTests.class)
class LayeringTest {
  /**
   * The internals that the library modules (not the examples, not users) share: argument checks
   * with messages in one style, and the redaction of secret headers, which must be the same
   * everywhere. Made public API they would need compatibility promises for code that is not the
   * product; duplicated, they would drift. They are exported to our own modules only, as OkHttp's
   * {@code module-info} does with {@code exports okhttp3.internal... to ...}: the modules are
   * released together, at one version, through one BOM.
   */
  static final Set<String> SHARED_INTERNALS = Set.of(
      "io.mesh4j.api.internal.Checks", "io.mesh4j.api.internal.Redaction");

  @ArchTest
  static final ArchRule modulesDependDownwardsOnly = layeredArchitecture()
      .consideringOnlyDependenciesInLayers()
      .layer("api").definedBy("io.mesh4j.api..")
      .layer("discovery").definedBy("io.mesh4j.discovery..")
      .layer("resilience").definedBy("io.mesh4j.resilience..")
      .layer("cache").definedBy("io.mesh4j.cache..")
      .layer("client").definedBy("io.mesh4j.client..")
      .layer("micrometer").definedBy("io.mesh4j.micrometer..")
      .layer("testkit").definedBy("io.mesh4j.testkit..")
      .layer("examples").definedBy("io.mesh4j.examples..")
      .layer("spring").definedBy("io.mesh4j.spring..")
      .whereLayer("api").mayNotAccessAnyLayer()
      .whereLayer("discovery").mayOnlyAccessLayers("api")
      .whereLayer("resilience").mayOnlyAccessLayers("api")
      .whereLayer("cache").mayOnlyAccessLayers("api")
      // Not discovery: the client takes any ServiceDiscovery from mesh-api (see README).
      .whereLayer("client").mayOnlyAccessLayers("api", "resilience", "cache")
      .whereLayer("micrometer").mayOnlyAccessLayers("api", "discovery", "resilience", "cache", "client")
      .whereLayer("testkit").mayNotAccessAnyLayer()
      .whereLayer("examples").mayOnlyAccessLayers("api", "discovery", "resilience", "cache", "client", "micrometer",
          "testkit")
      // The Boot wiring composes the library modules and mesh-micrometer; no library module knows
      // Spring, and nothing but an application uses the wiring.
      .whereLayer("spring").mayOnlyAccessLayers("api", "discovery", "resilience", "cache", "client", "micrometer")
      .whereLayer("spring").mayNotBeAccessedByAnyLayer();

  /**
   * The gateway is what users copy and run: it starts no test servers, so mesh-testkit (an
   * optional dependency of mesh-examples, for the demos) never needs to be on its class path.
   */
  @ArchTest
  static final ArchRule theGatewayNeedsNoTestkit = noClasses()
      .that().resideInAPackage("io.mesh4j.examples.gateway..")
      .should().dependOnClassesThat().resideInAnyPackage("io.mesh4j.testkit..", "org.testcontainers..",
          "org.junit..")
      .because("mesh-testkit is optional in mesh-examples: a gateway user's class path does not have it");

  @ArchTest
  static final ArchRule noLibraryModuleKnowsSpring = noClasses()
      .that().resideInAnyPackage("io.mesh4j.api..", "io.mesh4j.discovery..", "io.mesh4j.resilience..",
          "io.mesh4j.cache..", "io.mesh4j.client..", "io.mesh4j.micrometer..")
      .should().dependOnClassesThat().resideInAnyPackage("org.springframework..")
      .because("Spring Boot support lives in its own modules; the core modules never depend on Spring");

  @ArchTest
  static final ArchRule apiDependsOnNothingOfOursButItself = classes()
      .that().resideInAPackage("io.mesh4j.api..")
      .should().onlyDependOnClassesThat().resideInAnyPackage("io.mesh4j.api..", "java..", "org.slf4j..", "")
      .because("mesh-api holds contracts only: its one dependency is slf4j-api");

  @ArchTest
  static final ArchRule apiNamesNoEngine = noClasses()
      .that().resideInAPackage("io.mesh4j.api..")
      .should().dependOnClassesThat().resideInAnyPackage(
          "org.kiwiproject..", "com.orbitz..",   // Consul
          "redis.clients..",                     // Redis (Jedis)
          "dev.failsafe..",                      // Failsafe
          "okhttp3..", "okio..")                 // OkHttp
      .because("nothing in mesh-api knows Consul, Redis, Failsafe or OkHttp");

  @ArchTest
  static final ArchRule noModuleUsesAnothersInternals = classes()
      .that().resideInAPackage("io.mesh4j..")
      .should(useNoInternalsOfAnotherModule());

  @ArchTest
  static final ArchRule noPackageCyclesButApiWithItsImplementation = slices()
      .assignedFrom(packageFamilies())
      .should().beFreeOfCycles();

  private static ArchCondition<JavaClass> useNoInternalsOfAnotherModule() {
    return new ArchCondition<>("use no internal package of another module (shared: " + SHARED_INTERNALS + ")") {
      @Override
      public void check(JavaClass origin, ConditionEvents events) {
        String from = Modules.of(origin);
        for (Dependency d : origin.getDirectDependenciesFromSelf()) {
          JavaClass target = d.getTargetClass().getBaseComponentType();
          String to = Modules.of(target);
          if (to == null || to.equals(from) || !Modules.isInternal(target.getPackageName())) {
            continue;
          }
          String topLevel = target.getName().replaceFirst("\\$.*", "");
          boolean shared = SHARED_INTERNALS.contains(topLevel) && Modules.LIBRARIES.contains(from);
          if (!shared) {
            events.add(SimpleConditionEvent.violated(d, "mesh-" + from + " uses mesh-" + to
                + "'s internals: " + d.getDescription()));
          }
        }
      }
    };
  }

  /** One slice per package, a package's {@code internal} package counted with it. */
  private static SliceAssignment packageFamilies() {
    return new SliceAssignment() {
      @Override
      public SliceIdentifier getIdentifierOf(JavaClass javaClass) {
        String pkg = javaClass.getPackageName();
        return Modules.of(pkg) == null ? SliceIdentifier.ignore() : SliceIdentifier.of(Modules.family(pkg));
      }

      @Override
      public String getDescription() {
        return "packages of io.mesh4j, each with its internal package";
      }
    };
  }
}
