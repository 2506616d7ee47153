package demo

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"
)

// TestResponseKeysMatchRealSamples compares the keys of the demo's list
// items with those of the responses captured from a real Zed cloud.
func TestResponseKeysMatchRealSamples(t *testing.T) {
	e := startCloud(t, Options{Instances: 20, FailAfter: -1})
	var proj string
	e.c.Story.Lock(func() { proj = e.c.Story.Projects[0].ID })
	cases := []struct {
		sample, service, path, header, list string
	}{
		{"nova-os-services-mv2.1.json", "nova", "/v2.1/os-services", "compute 2.1", "services"},
		{"nova-os-services-mv2.88.json", "nova", "/v2.1/os-services", "compute 2.88", "services"},
		{"nova-os-hypervisors-detail-mv2.1.json", "nova", "/v2.1/os-hypervisors/detail", "compute 2.1", "hypervisors"},
		{"nova-os-hypervisors-detail-mv2.88.json", "nova", "/v2.1/os-hypervisors/detail", "compute 2.88", "hypervisors"},
		{"placement-resource-providers.json", "placement", "/resource_providers", "placement 1.14", "resource_providers"},
		{"neutron-agents.json", "neutron", "/v2.0/agents?binary=neutron-dhcp-agent", "", "agents"},
		{"cinder-os-services.json", "cinder", "/v3/" + proj + "/os-services?binary=cinder-volume", "", "services"},
	}
	for _, c := range cases {
		raw := readSample(t, c.sample)
		var sample map[string][]map[string]any
		if err := json.Unmarshal(raw, &sample); err != nil {
			t.Fatalf("%s: %v", c.sample, err)
		}
		want := sample[c.list][len(sample[c.list])-1]
		var got map[string][]map[string]any
		code, _, body := e.doHeader("GET", c.service, c.path, c.header, &got)
		if code != 200 || len(got[c.list]) == 0 {
			t.Fatalf("%s: %d %s", c.path, code, body)
		}
		if a, b := keys(want), keys(got[c.list][0]); a != b {
			t.Errorf("%s (%s):\n real %s\n demo %s", c.path, c.header, a, b)
		}
	}
}

func keys(m map[string]any) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, ",")
}
