package demo

// Simulated Placement (Zed: microversions 1.0..1.39): one resource provider
// per compute (the provider UUID is the compute node's, as in the real
// samples), inventories from the host's hardware and the demo's allocation
// ratios, usages and allocations computed from the instances' flavors.

import (
	"fmt"
	"net/http"
	"strings"
)

const (
	placementMinMicroversion = "1.0"
	placementMaxMicroversion = "1.39"
)

func init() {
	Register(Service{Name: "placement", CatalogType: "placement", CatalogPath: "", Order: 11,
		Handler: func(c *Cloud) http.Handler { return &placement{c: c} }})
}

type placement struct{ c *Cloud }

func placementError(w http.ResponseWriter, code int, reqID, detail string) {
	WriteJSON(w, code, map[string]any{"errors": []map[string]any{{"status": code, "title": http.StatusText(code),
		"detail": detail, "request_id": reqID}}})
}

func (p *placement) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := newRequestID()
	w.Header().Set("x-openstack-request-id", reqID)
	path := strings.TrimSuffix(r.URL.Path, "/")
	if path == "" {
		WriteJSON(w, 200, map[string]any{"versions": []any{map[string]any{"id": "v1.0",
			"max_version": placementMaxMicroversion, "min_version": placementMinMicroversion, "status": "CURRENT",
			"links": []map[string]string{{"rel": "self", "href": ""}}}}})
		return
	}
	if !p.c.Authorized(w, r) {
		return
	}
	min, _ := parseMicroversion(placementMinMicroversion)
	max, _ := parseMicroversion(placementMaxMicroversion)
	mv, msg, ok := requestMicroversion(r, "placement", min, max, "")
	if !ok {
		placementError(w, 406, reqID, msg)
		return
	}
	w.Header().Set("OpenStack-API-Version", "placement "+mv.String())
	w.Header().Set("Vary", "openstack-api-version")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		placementError(w, 405, reqID, "The method specified is not allowed for this resource.")
		return
	}
	parts := strings.Split(strings.TrimPrefix(path, "/"), "/")
	if parts[0] != "resource_providers" {
		placementError(w, 404, reqID, "The resource could not be found.")
		return
	}
	s := p.c.Story
	var (
		code = 200
		body any
	)
	s.Lock(func() {
		ns := novaFor(s)
		ns.sync()
		usage := ns.usage()
		if len(parts) == 1 {
			qs := r.URL.Query()
			var rps []map[string]any
			for _, h := range s.Computes() {
				if v := qs.Get("name"); v != "" && v != h.Name {
					continue
				}
				if v := qs.Get("uuid"); v != "" && v != h.ID {
					continue
				}
				rps = append(rps, p.provider(ns, usage, mv, h))
			}
			if rps == nil {
				rps = []map[string]any{}
			}
			body = map[string]any{"resource_providers": rps}
			return
		}
		var h *Host
		for _, x := range s.Computes() {
			if x.ID == parts[1] {
				h = x
			}
		}
		if h == nil {
			code, body = 404, fmt.Sprintf("No resource provider with uuid %s found", parts[1])
			return
		}
		gen := p.generation(ns, usage, h)
		switch {
		case len(parts) == 2:
			body = p.provider(ns, usage, mv, h)
		case len(parts) == 3 && parts[2] == "inventories":
			body = map[string]any{"inventories": p.inventories(ns, h), "resource_provider_generation": gen}
		case len(parts) == 4 && parts[2] == "inventories":
			inv, ok := p.inventories(ns, h)[parts[3]]
			if !ok {
				code, body = 404, fmt.Sprintf("No inventory of class %s found for resource provider %s", parts[3], h.ID)
				return
			}
			inv["resource_provider_generation"] = gen
			body = inv
		case len(parts) == 3 && parts[2] == "usages":
			u := usage[h.Name]
			body = map[string]any{"resource_provider_generation": gen, "usages": map[string]int{
				"VCPU": u.VCPUs, "MEMORY_MB": u.RAMMB, "DISK_GB": u.DiskGB}}
		case len(parts) == 3 && parts[2] == "allocations":
			allocs := map[string]any{}
			for _, in := range s.Instances {
				if in.Deleted || (in.Host != h.Name && ns.pending[in.ID] != h.Name) {
					continue
				}
				f := s.Flavor(in.FlavorID)
				if f == nil {
					continue
				}
				res := map[string]int{"VCPU": f.VCPUs, "MEMORY_MB": f.RAMMB}
				if !in.VolumeBacked {
					res["DISK_GB"] = f.DiskGB
				}
				allocs[in.ID] = map[string]any{"resources": res}
			}
			body = map[string]any{"allocations": allocs, "resource_provider_generation": gen}
		case len(parts) == 3 && parts[2] == "aggregates" && mv.atLeast(1):
			a := map[string]any{"aggregates": []string{}}
			if mv.atLeast(19) {
				a["resource_provider_generation"] = gen
			}
			body = a
		case len(parts) == 3 && parts[2] == "traits" && mv.atLeast(6):
			body = map[string]any{"resource_provider_generation": gen, "traits": []string{
				"COMPUTE_NET_ATTACH_INTERFACE", "COMPUTE_VOLUME_ATTACH_WITH_TAG", "COMPUTE_VOLUME_EXTEND",
				"HW_CPU_X86_AVX2", "HW_CPU_X86_AVX512F", statusTrait(h)}}
		default:
			code, body = 404, "The resource could not be found."
		}
	})
	if msg, ok := body.(string); ok {
		placementError(w, code, reqID, msg)
		return
	}
	WriteJSON(w, code, body)
}

// statusTrait: Nova sets COMPUTE_STATUS_DISABLED on a disabled compute's
// provider; otherwise a harmless trait stands in.
func statusTrait(h *Host) string {
	if h.ServiceDisabled {
		return "COMPUTE_STATUS_DISABLED"
	}
	return "COMPUTE_NODE"
}

// generation changes whenever the provider's allocations change, as
// Placement's does (clients re-read usages only when it moved). Real
// Placement counts up; this one is derived from the host's state, which
// only differs in that a change undone between two reads goes unseen.
func (p *placement) generation(ns *novaState, usage map[string]*hostUsage, h *Host) int {
	g := 1
	for _, m := range ns.migrations {
		if m.Source == h.Name || m.Dest == h.Name {
			g += 2
		}
	}
	if h.ServiceDisabled {
		g++
	}
	if u := usage[h.Name]; u != nil {
		g += u.Instances + 3*u.VCPUs + 5*u.RAMMB/512 + 7*u.DiskGB
	}
	return g
}

func (p *placement) provider(ns *novaState, usage map[string]*hostUsage, mv microversion, h *Host) map[string]any {
	base := "/resource_providers/" + h.ID
	links := []map[string]string{{"rel": "self", "href": base}, {"rel": "inventories", "href": base + "/inventories"},
		{"rel": "usages", "href": base + "/usages"}}
	if mv.atLeast(1) {
		links = append(links, map[string]string{"rel": "aggregates", "href": base + "/aggregates"})
	}
	if mv.atLeast(6) {
		links = append(links, map[string]string{"rel": "traits", "href": base + "/traits"})
	}
	if mv.atLeast(11) {
		links = append(links, map[string]string{"rel": "allocations", "href": base + "/allocations"})
	}
	rp := map[string]any{"uuid": h.ID, "name": h.Name, "generation": p.generation(ns, usage, h), "links": links}
	if mv.atLeast(14) {
		rp["parent_provider_uuid"] = nil
		rp["root_provider_uuid"] = h.ID
	}
	return rp
}

func (p *placement) inventories(ns *novaState, h *Host) map[string]map[string]any {
	cm := ns.capacity()
	inv := func(total, reserved, maxUnit int, ratio float64) map[string]any {
		return map[string]any{"allocation_ratio": ratio, "max_unit": maxUnit, "min_unit": 1, "reserved": reserved,
			"step_size": 1, "total": total}
	}
	return map[string]map[string]any{
		"VCPU":      inv(h.VCPUs, 0, h.VCPUs, cm.cpuRatio),
		"MEMORY_MB": inv(h.MemoryMB, cm.reservedMB, h.MemoryMB, cm.ramRatio),
		"DISK_GB":   inv(h.DiskGB, 0, h.DiskGB, cm.diskRatio),
	}
}
