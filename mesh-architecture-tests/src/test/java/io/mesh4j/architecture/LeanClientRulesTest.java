package io.mesh4j.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.methods;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaAccess;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaMethod;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * mesh-cache is an optional dependency of mesh-client: only the response-cache adapter may name
 * its types, so a client built without {@code responseCache(...)} loads none of them (see
 * {@link LeanClientTest} for the proof at run time).
 */
@AnalyzeClasses(packages = "io.mesh4j.client", importOptions = ImportOption.DoNotIncludeTests.class)
class LeanClientRulesTest {
  static final String ADAPTER = "io.mesh4j.client.internal.ResponseStores";
  static final String BUILDER = "io.mesh4j.client.ServiceMeshClient$Builder";

  @ArchTest
  static final ArchRule onlyTheAdapterAndBuilderNameMeshCache = noClasses()
      .that().resideInAPackage("io.mesh4j.client..")
      .and().doNotHaveFullyQualifiedName(ADAPTER)
      .and().doNotHaveFullyQualifiedName(BUILDER)
      .should().dependOnClassesThat().resideInAPackage("io.mesh4j.cache..")
      .because("mesh-cache (and Jedis) is optional for mesh-client: only " + ADAPTER + " adapts it");

  @ArchTest
  static final ArchRule onlyTheResponseCacheSettersOfTheBuilderNameMeshCache = methods()
      .that().areDeclaredInClassesThat().haveFullyQualifiedName(BUILDER)
      .and().doNotHaveName("responseCache")
      .should(nameNoMeshCacheType())
      .because("a builder used without responseCache(...) must not need mesh-cache");

  @ArchTest
  static final ArchRule clientCodeNeedsNoConsul = noClasses()
      .that().resideInAPackage("io.mesh4j.client..")
      .should().dependOnClassesThat().resideInAnyPackage("io.mesh4j.discovery..", "org.kiwiproject..")
      .because("the client takes any ServiceDiscovery; mesh-discovery is there for convenience only");

  private static boolean isMeshCache(JavaClass c) {
    return c.getBaseComponentType().getPackageName().startsWith("io.mesh4j.cache");
  }

  private static ArchCondition<JavaMethod> nameNoMeshCacheType() {
    return new ArchCondition<>("name no io.mesh4j.cache type") {
      @Override
      public void check(JavaMethod method, ConditionEvents events) {
        List<JavaClass> named = new ArrayList<>(method.getRawParameterTypes());
        named.add(method.getRawReturnType());
        for (JavaAccess<?> access : method.getAccessesFromSelf()) {
          named.add(access.getTargetOwner());
        }
        for (JavaClass c : named) {
          if (isMeshCache(c)) {
            events.add(SimpleConditionEvent.violated(method, method.getFullName() + " names " + c.getName()));
          }
        }
      }
    };
  }
}
