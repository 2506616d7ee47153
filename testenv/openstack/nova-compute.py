#!/usr/bin/python3
"""nova-compute for testenv: nova.cmd.compute without the nova-compute
package (which pulls in libvirt and qemu).

It also registers nova.virt.stackpit_fake.AdoptingFakeDriver: the stock
fake driver keeps guests in memory only, so after a restart it has forgotten
the instances the database puts on this host and nova would power them off.
The subclass re-adopts them in init_host. Nova only loads drivers from
nova.virt.*, hence the module injected into sys.modules.
"""
import sys
import types


def _register_driver():
    import nova.virt
    from nova.virt import fake

    class AdoptingFakeDriver(fake.FakeLiveMigrateDriver):
        def init_host(self, host):
            super().init_host(host)
            from nova.compute import power_state, vm_states
            from nova import context, objects
            try:
                ctx = context.get_admin_context()
                for inst in objects.InstanceList.get_by_host(ctx, host):
                    if inst.vm_state in (vm_states.DELETED, vm_states.ERROR,
                                         vm_states.SHELVED_OFFLOADED):
                        continue
                    if inst.node and inst.node != host:
                        continue
                    state = (power_state.SHUTDOWN
                             if inst.vm_state == vm_states.STOPPED
                             else power_state.RUNNING)
                    self.instances[inst.uuid] = fake.FakeInstance(
                        inst.name, state, inst.uuid)
            except Exception as e:  # never keep nova-compute from starting
                sys.stderr.write("stackpit_fake: re-adopting failed: %s\n" % e)

    mod = types.ModuleType("nova.virt.stackpit_fake")
    mod.AdoptingFakeDriver = AdoptingFakeDriver
    sys.modules["nova.virt.stackpit_fake"] = mod
    nova.virt.stackpit_fake = mod


if __name__ == "__main__":
    # nova.cmd.compute monkey-patches eventlet on import: import it first.
    from nova.cmd import compute
    _register_driver()
    sys.argv[0] = "nova-compute"
    sys.exit(compute.main())
