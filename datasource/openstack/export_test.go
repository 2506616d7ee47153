package openstack

import "encoding/json"

// DecodeServerPage decodes one /servers/detail page as the pager does (for
// the external benchmarks): a page asked with limit=1000.
func DecodeServerPage(body []byte) ([]Server, error) {
	j := &pageJob{u: "http://nova/v2.1/servers/detail?all_tenants=1&limit=1000", done: make(chan struct{})}
	j.decode(body, make(chan struct{}, 1))
	return j.servers, j.err
}

// DecodeServerPageJSON decodes a page with encoding/json only (the
// reference the lean reader must match).
func DecodeServerPageJSON(body []byte) ([]Server, error) {
	var p serverPage
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, err
	}
	out := make([]Server, len(p.Servers))
	for i := range p.Servers {
		out[i] = p.Servers[i].toServer()
	}
	return out, nil
}

// SetOneEnd makes c read whole server lists as one stream (benchmarks
// compare it with a list read from both ends).
func SetOneEnd(c *Client, one bool) { c.oneEnd = one }

// ScanVolumePage reads a /volumes/detail page with the lean scanner (ok
// false: it gave up).
func ScanVolumePage(body []byte) (vols []Volume, links []serverLink, ok bool) {
	return scanVolumePage(body, 0)
}

// DecodeVolumePageJSON decodes a page with encoding/json only (the
// reference the scanner must match).
func DecodeVolumePageJSON(body []byte) ([]Volume, []serverLink, error) {
	return decodeVolumesReference(body)
}
