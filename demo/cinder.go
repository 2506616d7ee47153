package demo

// Simulated Cinder v3 (Zed: microversions 3.0..3.70). The catalog URL
// carries the project id (/v3/{project_id}) as the real one does. Serves
// os-services (cinder-scheduler, cinder-volume with the rbd-1 backend and
// cinder-backup on every controller) with enable/disable.

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
)

const (
	cinderMinMicroversion = "3.0"
	cinderMaxMicroversion = "3.70"
)

func init() {
	Register(Service{Name: "cinder", CatalogType: "volumev3", CatalogPath: "/v3/{project_id}", Order: 13,
		Handler: func(c *Cloud) http.Handler { return &cinder{c: c} }})
}

type cinder struct{ c *Cloud }

type cinderState struct {
	disabled map[string]string // host/binary -> reason
	vols     []*demoVolume     // by ID (cinder_volumes.go); nil until first asked
	byID     map[string]*demoVolume
}

var cinderStates sync.Map // *Story -> *cinderState

func cinderFor(s *Story) *cinderState {
	v, _ := cinderStates.LoadOrStore(s, &cinderState{disabled: map[string]string{}})
	return v.(*cinderState)
}

type cinderService struct {
	host         *Host
	binary, name string // name: "control01@rbd-1" for cinder-volume
}

func cinderServices(s *Story) []cinderService {
	var out []cinderService
	for _, h := range s.Hosts {
		if h.IsCompute() {
			continue
		}
		out = append(out, cinderService{h, "cinder-scheduler", h.Name},
			cinderService{h, "cinder-volume", h.Name + "@rbd-1"},
			cinderService{h, "cinder-backup", h.Name})
	}
	return out
}

func cinderError(w http.ResponseWriter, code int, msg string) {
	key := map[int]string{400: "badRequest", 404: "itemNotFound", 405: "HTTPMethodNotAllowed", 406: "computeFault"}[code]
	if key == "" {
		key = "computeFault"
	}
	WriteJSON(w, code, map[string]any{key: map[string]any{"code": code, "message": msg}})
}

func (c *cinder) versionDoc() map[string]any {
	return map[string]any{"id": "v3.0", "status": "CURRENT", "version": cinderMaxMicroversion,
		"min_version": cinderMinMicroversion, "updated": "2022-08-31T00:00:00Z",
		"links":       []map[string]string{{"rel": "self", "href": c.c.URLs["cinder"] + "/v3/"}},
		"media-types": []map[string]string{{"base": "application/json", "type": "application/vnd.openstack.volume+json;version=3"}}}
}

func (c *cinder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := newRequestID()
	w.Header().Set("x-openstack-request-id", reqID)
	path := strings.TrimSuffix(r.URL.Path, "/")
	if path == "" || path == "/v3" {
		WriteJSON(w, 200, map[string]any{"versions": []any{c.versionDoc()}})
		return
	}
	if !c.c.Authorized(w, r) {
		return
	}
	min, _ := parseMicroversion(cinderMinMicroversion)
	max, _ := parseMicroversion(cinderMaxMicroversion)
	mv, msg, ok := requestMicroversion(r, "volume", min, max, "")
	if !ok {
		cinderError(w, 406, msg)
		return
	}
	w.Header().Set("OpenStack-API-Version", "volume "+mv.String())
	w.Header().Set("Vary", "OpenStack-API-Version")
	parts := strings.Split(strings.TrimPrefix(path, "/"), "/")
	// /v3/{project_id}/os-services[/{action}]; the project id is optional
	// from 3.67 on.
	if len(parts) < 2 || parts[0] != "v3" {
		cinderError(w, 404, "The resource could not be found.")
		return
	}
	parts = parts[1:]
	project := ""
	if parts[0] != "os-services" && parts[0] != "volumes" && parts[0] != "attachments" {
		project, parts = parts[0], parts[1:]
	}
	if len(parts) > 0 && (parts[0] == "volumes" || parts[0] == "attachments") {
		c.volumesRoute(w, r, project, parts, mv)
		return
	}
	if len(parts) == 0 || parts[0] != "os-services" || len(parts) > 2 {
		cinderError(w, 404, "The resource could not be found.")
		return
	}
	switch {
	case len(parts) == 1 && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		c.list(w, r, mv)
	case len(parts) == 2 && r.Method == http.MethodPut:
		c.update(w, r, parts[1])
	default:
		cinderError(w, 405, "The method specified is not allowed for this resource.")
	}
}

func (c *cinder) list(w http.ResponseWriter, r *http.Request, mv microversion) {
	qs := r.URL.Query()
	var out []map[string]any
	s := c.c.Story
	s.Lock(func() {
		cs := cinderFor(s)
		for _, sv := range cinderServices(s) {
			if v := qs.Get("host"); v != "" && v != sv.name && v != sv.host.Name {
				continue
			}
			if v := qs.Get("binary"); v != "" && v != sv.binary {
				continue
			}
			up := heartbeatAlive(s, sv.host)
			m := map[string]any{"binary": sv.binary, "host": sv.name, "zone": "nova", "status": "enabled",
				"state": "up", "updated_at": tmicro(s.LastHeartbeat(sv.host)), "disabled_reason": nil}
			if reason, off := cs.disabled[sv.name+"/"+sv.binary]; off {
				m["status"], m["disabled_reason"] = "disabled", nullable(reason)
			}
			if !up {
				m["state"] = "down"
			}
			if sv.binary == "cinder-volume" {
				m["replication_status"] = "disabled"
				m["active_backend_id"] = nil
				m["frozen"] = false
				if mv.atLeast(49) {
					m["backend_state"] = "up"
					if !up {
						m["backend_state"] = "down"
					}
				}
			}
			if mv.atLeast(7) {
				m["cluster"] = nil
			}
			out = append(out, m)
		}
	})
	if out == nil {
		out = []map[string]any{}
	}
	WriteJSON(w, 200, map[string]any{"services": out})
}

func (c *cinder) update(w http.ResponseWriter, r *http.Request, action string) {
	var body struct {
		Host, Binary   string
		DisabledReason string `json:"disabled_reason"`
	}
	if err := decodeBody(r, &body); err != nil {
		cinderError(w, 400, "Malformed request body")
		return
	}
	if action != "enable" && action != "disable" && action != "disable-log-reason" {
		cinderError(w, 404, fmt.Sprintf("Unknown action '%s'", action))
		return
	}
	var resp map[string]any
	s := c.c.Story
	s.Lock(func() {
		cs := cinderFor(s)
		for _, sv := range cinderServices(s) {
			if sv.name != body.Host || (body.Binary != "" && sv.binary != body.Binary) {
				continue
			}
			key := sv.name + "/" + sv.binary
			kind := "service_enabled"
			if action == "enable" {
				delete(cs.disabled, key)
			} else {
				cs.disabled[key] = body.DisabledReason
				kind = "service_disabled"
			}
			s.Emit(Event{Kind: kind, Host: sv.host.Name, Service: sv.binary,
				Message: fmt.Sprintf("%s on %s: %s", sv.binary, sv.name, action),
				Fields:  map[string]string{"binary": sv.binary, "host": sv.name, "reason": body.DisabledReason}})
			status := "enabled"
			if action != "enable" {
				status = "disabled"
			}
			resp = map[string]any{"host": sv.name, "binary": sv.binary, "status": status,
				"disabled": action != "enable", "disabled_reason": nullable(cs.disabled[key])}
		}
	})
	if resp == nil {
		cinderError(w, 404, fmt.Sprintf("Service %s could not be found.", body.Host))
		return
	}
	WriteJSON(w, 200, resp)
}

// volumesRoute serves /volumes[/detail|/{id}[/action]] and
// /attachments/{id} (cinder_volumes.go).
func (c *cinder) volumesRoute(w http.ResponseWriter, r *http.Request, project string, parts []string, mv microversion) {
	get := r.Method == http.MethodGet || r.Method == http.MethodHead
	switch {
	case parts[0] == "volumes" && len(parts) == 1 && get:
		c.listVolumes(w, r, project, false, mv)
	case parts[0] == "volumes" && len(parts) == 2 && parts[1] == "detail" && get:
		c.listVolumes(w, r, project, true, mv)
	case parts[0] == "volumes" && len(parts) == 2 && get:
		c.showVolume(w, parts[1], mv)
	case parts[0] == "volumes" && len(parts) == 3 && parts[2] == "action" && r.Method == http.MethodPost:
		c.volumeAction(w, r, parts[1])
	case parts[0] == "attachments" && len(parts) == 2 && r.Method == http.MethodDelete:
		if !mv.atLeast(27) {
			cinderError(w, 404, "The resource could not be found.")
			return
		}
		c.deleteAttachment(w, parts[1])
	default:
		cinderError(w, 405, "The method specified is not allowed for this resource.")
	}
}
