package suggest

import "testing"

func TestClosest(t *testing.T) {
	keys := []string{"url", "ca_file", "insecure", "headers", "username", "password", "bearer_token"}
	for in, want := range map[string]string{
		"pasword": "password", "ca_fle": "ca_file", "passwrod": "password", "usrname": "username",
		"uri": "url", "colour": "", "bearer": "", "x": "",
	} {
		if got := Closest(in, keys); got != want {
			t.Errorf("Closest(%q) = %q, want %q", in, got, want)
		}
	}
	if got := Closest("instances.rebot", []string{"instances.reboot", "instances.reboot_hard"}); got != "instances.reboot" {
		t.Errorf("got %q", got)
	}
}
