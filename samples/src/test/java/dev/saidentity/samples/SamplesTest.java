package dev.saidentity.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saidentity.audit.AuditFinding;
import dev.saidentity.core.Severity;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** CI runs every sample: each must do what its README says. */
class SamplesTest {

  static Object call(String cls, String method, Object... args) throws Exception {
    Class<?> c = Class.forName(cls);
    for (Method m : c.getDeclaredMethods()) {
      if (m.getName().equals(method) && m.getParameterCount() == args.length) {
        m.setAccessible(true);
        return m.invoke(null, args);
      }
    }
    throw new NoSuchMethodException(cls + "." + method);
  }

  @Test
  void serviceToService_acceptsTheBoundPod_thenRefusesItOnceDeleted() throws Exception {
    assertTrue((Boolean) call("dev.saidentity.samples.servicetoservice.ServiceToService", "run"));
  }

  @Test
  void startupSelfCheck_startsWhenHealthy_refusesABrokenMount() throws Exception {
    assertTrue((Boolean) call("dev.saidentity.samples.selfcheck.StartupSelfCheck", "run"));
  }

  @Test
  @SuppressWarnings("unchecked")
  void auditInABuild_hasNoErrorsInTheSampleManifests_andFlagsTheNightlyJob() throws Exception {
    List<AuditFinding> f = (List<AuditFinding>) call("dev.saidentity.samples.auditbuild.AuditManifests", "audit", Path.of("manifests"));
    assertEquals(List.of(), f.stream().filter(x -> x.severity() == Severity.ERROR).collect(Collectors.toList()));
    assertEquals(List.of("SAI-001"), f.stream().map(AuditFinding::id).distinct().sorted().collect(Collectors.toList()));
  }
}
