package config

import (
	"strings"
	"testing"
)

func TestControlPlaneBlocks(t *testing.T) {
	f, err := Parse("c.yaml", []byte(`clouds:
  prod:
    rabbitmq:
      url: http://controller1:15672
      username: monitor
      password: hunter2
    haproxy:
      url: http://controller1:1984/
      runtime: tcp://controller1:9999
    memcached:
      addresses: [controller1:11211, controller2:11211]
`))
	if err != nil {
		t.Fatal(err)
	}
	c := f.Cloud("prod")
	if c.RabbitMQ == nil || c.RabbitMQ.URL != "http://controller1:15672" || c.RabbitMQ.Username != "monitor" ||
		c.HAProxy == nil || c.HAProxy.Runtime != "tcp://controller1:9999" || c.HAProxy.Line != 8 ||
		c.Memcached == nil || len(c.Memcached.Addresses) != 2 || c.Memcached.Line != 11 {
		t.Fatalf("%+v %+v %+v", c.RabbitMQ, c.HAProxy, c.Memcached)
	}
	if errs := f.Check(); len(errs) != 0 {
		t.Fatalf("good blocks: %v", errs)
	}
	// The strict walker knows the new blocks.
	for _, tc := range []struct{ yaml, want string }{
		{"clouds:\n  p:\n    rabbitmq: {url: \"http://r:15672\", pasword: x}\n", `c.yaml:3: unknown key "pasword" in clouds.p.rabbitmq (did you mean "password"?)`},
		{"clouds:\n  p:\n    haproxy: {url: \"http://h:1984\", runtim: \"tcp://h:1\"}\n", `c.yaml:3: unknown key "runtim" in clouds.p.haproxy (did you mean "runtime"?)`},
		{"clouds:\n  p:\n    memcached: {adresses: [a:1]}\n", `c.yaml:3: unknown key "adresses" in clouds.p.memcached (did you mean "addresses"?)`},
		{"clouds:\n  p:\n    rabbitmq: {url: \"amqp://r:5672\"}\n", `c.yaml:3: clouds.p.rabbitmq: bad url "amqp://r:5672"`},
	} {
		_, err := Parse("c.yaml", []byte(tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("yaml %q:\n got %v\nwant containing %q", tc.yaml, err, tc.want)
		}
	}
	f, err = Parse("c.yaml", []byte("clouds:\n  p:\n    haproxy: {runtime: \"http://h:1\"}\n    memcached: {addresses: [nohost]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	errs := f.Check()
	if len(errs) != 2 || !strings.HasPrefix(errs[0].Error(), `c.yaml:3: clouds.p.haproxy.runtime: bad address "http://h:1"`) ||
		!strings.HasPrefix(errs[1].Error(), `c.yaml:4: clouds.p.memcached.addresses[0]: bad address "nohost"`) {
		t.Fatalf("%v", errs)
	}
}
