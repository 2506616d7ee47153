package config

import (
	"crypto/tls"
	"errors"
	"fmt"
	"os"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/config/clouds"
)

// Auth is resolved OpenStack authentication.
type Auth struct {
	Cloud    string // clouds.yaml entry, or "env" for OS_* variables
	Options  gophercloud.AuthOptions
	Endpoint gophercloud.EndpointOpts
	TLS      *tls.Config
}

// Region is the selected region (may be empty).
func (a *Auth) Region() string { return a.Endpoint.Region }

// User is the user name for the header and the audit log.
func (a *Auth) User() string {
	if a.Options.Username != "" {
		return a.Options.Username
	}
	return a.Options.UserID
}

// ErrNoCloud is ResolveAuth's error when no cloud is named anywhere (no
// --cloud, OS_CLOUD or OS_AUTH_URL) and the config has no auth block.
var ErrNoCloud = errors.New("no OpenStack cloud configured: set OS_CLOUD or --cloud (clouds.yaml), or OS_AUTH_URL and friends, or run with --demo")

// ResolveAuth finds OpenStack auth the way the openstack CLI does: --cloud,
// then OS_CLOUD, in clouds.yaml (+ secure.yaml); else OS_* variables.
// An explicit Cloud.OpenStack block (demo, tests) wins over both.
func ResolveAuth(cloud, region string, c *Cloud) (*Auth, error) {
	if c != nil && c.OpenStack != nil {
		o := c.OpenStack
		a := &Auth{Cloud: cloud, Options: gophercloud.AuthOptions{
			IdentityEndpoint: o.AuthURL, Username: o.Username, Password: o.Password,
			DomainName: o.DomainName, TenantName: o.ProjectName, AllowReauth: true,
			Scope: &gophercloud.AuthScope{ProjectName: o.ProjectName, DomainName: o.DomainName},
		}, Endpoint: gophercloud.EndpointOpts{Region: o.Region, Availability: gophercloud.AvailabilityPublic}}
		if region != "" {
			a.Endpoint.Region = region
		}
		if o.Insecure || o.CAFile != "" {
			a.TLS = &tls.Config{InsecureSkipVerify: o.Insecure} //nolint:gosec // explicit opt-in
		}
		return a, nil
	}
	if cloud == "" {
		cloud = os.Getenv("OS_CLOUD")
	}
	if cloud != "" {
		opts := []clouds.ParseOption{clouds.WithCloudName(cloud)}
		if region != "" {
			opts = append(opts, clouds.WithRegion(region))
		}
		ao, eo, tc, err := clouds.Parse(opts...)
		if err != nil {
			return nil, fmt.Errorf("cloud %q from clouds.yaml: %w", cloud, err)
		}
		ao.AllowReauth = true
		return &Auth{Cloud: cloud, Options: ao, Endpoint: eo, TLS: tc}, nil
	}
	if os.Getenv("OS_AUTH_URL") == "" {
		return nil, ErrNoCloud
	}
	ao, err := authFromEnv()
	if err != nil {
		return nil, fmt.Errorf("OS_* variables: %w", err)
	}
	if region == "" {
		region = os.Getenv("OS_REGION_NAME")
	}
	return &Auth{Cloud: "env", Options: ao, Endpoint: gophercloud.EndpointOpts{Region: region, Availability: gophercloud.AvailabilityPublic}}, nil
}

// authFromEnv reads OS_* variables as the openstack CLI does. gophercloud's
// AuthOptionsFromEnv knows a single OS_DOMAIN_*; openrc files (Kolla's
// among them) set OS_USER_DOMAIN_NAME and OS_PROJECT_DOMAIN_NAME instead.
func authFromEnv() (gophercloud.AuthOptions, error) {
	env := func(names ...string) string {
		for _, n := range names {
			if v := os.Getenv(n); v != "" {
				return v
			}
		}
		return ""
	}
	if os.Getenv("OS_APPLICATION_CREDENTIAL_ID") != "" || os.Getenv("OS_APPLICATION_CREDENTIAL_NAME") != "" {
		ao, err := openstack.AuthOptionsFromEnv()
		ao.AllowReauth = true
		return ao, err
	}
	ao := gophercloud.AuthOptions{
		IdentityEndpoint: os.Getenv("OS_AUTH_URL"),
		Username:         os.Getenv("OS_USERNAME"),
		UserID:           env("OS_USER_ID", "OS_USERID"),
		Password:         os.Getenv("OS_PASSWORD"),
		DomainName:       env("OS_USER_DOMAIN_NAME", "OS_DOMAIN_NAME"),
		DomainID:         env("OS_USER_DOMAIN_ID", "OS_DOMAIN_ID"),
		AllowReauth:      true,
	}
	if ao.Username == "" && ao.UserID == "" {
		return ao, errors.New("set OS_USERNAME (or OS_USER_ID)")
	}
	if ao.Password == "" {
		return ao, errors.New("set OS_PASSWORD")
	}
	if ao.Username != "" && ao.DomainName == "" && ao.DomainID == "" {
		ao.DomainName = "Default"
	}
	switch {
	case os.Getenv("OS_SYSTEM_SCOPE") == "all":
		ao.Scope = &gophercloud.AuthScope{System: true}
	case env("OS_PROJECT_ID", "OS_TENANT_ID") != "":
		ao.Scope = &gophercloud.AuthScope{ProjectID: env("OS_PROJECT_ID", "OS_TENANT_ID")}
	case env("OS_PROJECT_NAME", "OS_TENANT_NAME") != "":
		sc := &gophercloud.AuthScope{ProjectName: env("OS_PROJECT_NAME", "OS_TENANT_NAME"),
			DomainName: env("OS_PROJECT_DOMAIN_NAME", "OS_DOMAIN_NAME"), DomainID: env("OS_PROJECT_DOMAIN_ID", "OS_DOMAIN_ID")}
		if sc.DomainName == "" && sc.DomainID == "" {
			sc.DomainName = "Default"
		}
		ao.Scope = sc
		ao.TenantName = sc.ProjectName
	}
	return ao, nil
}
