package rabbitmq

import (
	"sort"
	"strings"
	"time"
)

// Overview is the cluster as a whole.
type Overview struct {
	ClusterName     string `json:"cluster_name"`
	Node            string `json:"node"` // the node that answered
	RabbitMQVersion string `json:"rabbitmq_version"`
	ErlangVersion   string `json:"erlang_version"`
	QueueTotals     struct {
		Messages        int64 `json:"messages"`
		MessagesReady   int64 `json:"messages_ready"`
		MessagesUnacked int64 `json:"messages_unacknowledged"`
	} `json:"queue_totals"`
	ObjectTotals struct {
		Connections int `json:"connections"`
		Channels    int `json:"channels"`
		Queues      int `json:"queues"`
		Consumers   int `json:"consumers"`
	} `json:"object_totals"`
}

// Node is one cluster member. A member that is down reports Running=false
// and none of the resource figures (they read -1).
type Node struct {
	Name                      string // rabbit@controller1
	Running                   bool
	Partitions                []string // nodes this one cannot see: a network partition
	MemAlarm                  bool
	DiskAlarm                 bool
	MemUsed                   int64
	MemLimit                  int64
	DiskFree                  int64
	DiskLimit                 int64
	FDUsed                    int64
	FDTotal                   int64
	SocketsUsed, SocketsTotal int64 // -1 on RabbitMQ 4 (no longer reported)
	ProcUsed, ProcTotal       int64
	Uptime                    time.Duration
}

// Host is the host part of the node name (rabbit@controller1 -> controller1).
func (n Node) Host() string {
	if i := strings.IndexByte(n.Name, '@'); i >= 0 {
		return n.Name[i+1:]
	}
	return n.Name
}

// Problems says what is wrong with the node, worst first; empty when
// healthy.
func (n Node) Problems() []string {
	var p []string
	if !n.Running {
		return []string{"not running"}
	}
	if len(n.Partitions) > 0 {
		p = append(p, "partitioned from "+strings.Join(n.Partitions, ", "))
	}
	if n.MemAlarm {
		p = append(p, "memory alarm (publishers blocked)")
	}
	if n.DiskAlarm {
		p = append(p, "disk alarm (publishers blocked)")
	}
	if n.FDTotal > 0 && n.FDUsed*10 >= n.FDTotal*9 {
		p = append(p, "file descriptors nearly exhausted")
	}
	if n.SocketsTotal > 0 && n.SocketsUsed*10 >= n.SocketsTotal*9 {
		p = append(p, "sockets nearly exhausted")
	}
	return p
}

type rawNode struct {
	Name          string   `json:"name"`
	Running       bool     `json:"running"`
	Partitions    []string `json:"partitions"`
	MemAlarm      bool     `json:"mem_alarm"`
	DiskFreeAlarm bool     `json:"disk_free_alarm"`
	MemUsed       *int64   `json:"mem_used"`
	MemLimit      *int64   `json:"mem_limit"`
	DiskFree      *int64   `json:"disk_free"`
	DiskFreeLimit *int64   `json:"disk_free_limit"`
	FDUsed        *int64   `json:"fd_used"`
	FDTotal       *int64   `json:"fd_total"`
	SocketsUsed   *int64   `json:"sockets_used"`
	SocketsTotal  *int64   `json:"sockets_total"`
	ProcUsed      *int64   `json:"proc_used"`
	ProcTotal     *int64   `json:"proc_total"`
	Uptime        *int64   `json:"uptime"` // milliseconds
}

func or(p *int64) int64 {
	if p == nil {
		return -1
	}
	return *p
}

func (r rawNode) node() Node {
	n := Node{
		Name: r.Name, Running: r.Running, Partitions: r.Partitions,
		MemAlarm: r.MemAlarm, DiskAlarm: r.DiskFreeAlarm,
		MemUsed: or(r.MemUsed), MemLimit: or(r.MemLimit),
		DiskFree: or(r.DiskFree), DiskLimit: or(r.DiskFreeLimit),
		FDUsed: or(r.FDUsed), FDTotal: or(r.FDTotal),
		SocketsUsed: or(r.SocketsUsed), SocketsTotal: or(r.SocketsTotal),
		ProcUsed: or(r.ProcUsed), ProcTotal: or(r.ProcTotal),
	}
	if r.Uptime != nil {
		n.Uptime = time.Duration(*r.Uptime) * time.Millisecond
	}
	return n
}

// Queue is one queue with its depth, consumers and rates (messages per
// second, averaged by the management plugin).
type Queue struct {
	Name, Vhost, Type, State, Node string
	Durable, AutoDelete            bool
	Messages                       int64 // ready + unacknowledged
	Ready                          int64
	Unacked                        int64
	Consumers                      int
	PublishRate                    float64
	DeliverRate                    float64
	AckRate                        float64
	IdleSince                      string // as the server wrote it; "" while busy
}

type rate struct {
	Rate float64 `json:"rate"`
}

type rawQueue struct {
	Name         string `json:"name"`
	Vhost        string `json:"vhost"`
	Type         string `json:"type"`
	State        string `json:"state"`
	Node         string `json:"node"`
	Durable      bool   `json:"durable"`
	AutoDelete   bool   `json:"auto_delete"`
	Messages     int64  `json:"messages"`
	Ready        int64  `json:"messages_ready"`
	Unacked      int64  `json:"messages_unacknowledged"`
	Consumers    int    `json:"consumers"`
	IdleSince    string `json:"idle_since"`
	MessageStats struct {
		Publish    rate `json:"publish_details"`
		DeliverGet rate `json:"deliver_get_details"`
		Ack        rate `json:"ack_details"`
	} `json:"message_stats"`
}

func (r rawQueue) queue() Queue {
	return Queue{
		Name: r.Name, Vhost: r.Vhost, Type: r.Type, State: r.State, Node: r.Node,
		Durable: r.Durable, AutoDelete: r.AutoDelete,
		Messages: r.Messages, Ready: r.Ready, Unacked: r.Unacked, Consumers: r.Consumers,
		PublishRate: r.MessageStats.Publish.Rate, DeliverRate: r.MessageStats.DeliverGet.Rate,
		AckRate: r.MessageStats.Ack.Rate, IdleSince: r.IdleSince,
	}
}

// SortByDepth orders queues deepest first, then by vhost and name.
func SortByDepth(qs []Queue) {
	sort.SliceStable(qs, func(i, j int) bool {
		a, b := qs[i], qs[j]
		if a.Messages != b.Messages {
			return a.Messages > b.Messages
		}
		if a.Vhost != b.Vhost {
			return a.Vhost < b.Vhost
		}
		return a.Name < b.Name
	})
}

// Connection is one AMQP connection. oslo.messaging names each of its
// connections "<process>:<pid>:<uuid>" (client_properties.connection_name);
// Process and PID come from there.
type Connection struct {
	Name, User, Vhost, Node, State string
	Channels                       int
	PeerHost                       string
	PeerPort                       int
	ConnectedAt                    time.Time
	ClientName                     string // client_properties.connection_name
	Product                        string // py-amqp, ...
	Process                        string // nova-compute
	ClientHost                     string // only when the name carries one
	PID                            int
}

type rawConnection struct {
	Name             string `json:"name"`
	User             string `json:"user"`
	Vhost            string `json:"vhost"`
	Node             string `json:"node"`
	State            string `json:"state"`
	Channels         int    `json:"channels"`
	PeerHost         string `json:"peer_host"`
	PeerPort         int    `json:"peer_port"`
	ConnectedAt      int64  `json:"connected_at"` // ms since the epoch
	ClientProperties struct {
		ConnectionName string `json:"connection_name"`
		Product        string `json:"product"`
	} `json:"client_properties"`
}

func (r rawConnection) connection() Connection {
	c := Connection{
		Name: r.Name, User: r.User, Vhost: r.Vhost, Node: r.Node, State: r.State,
		Channels: r.Channels, PeerHost: r.PeerHost, PeerPort: r.PeerPort,
		ClientName: r.ClientProperties.ConnectionName, Product: r.ClientProperties.Product,
	}
	if r.ConnectedAt > 0 {
		c.ConnectedAt = time.UnixMilli(r.ConnectedAt).UTC()
	}
	c.ClientHost, c.Process, c.PID = parseClientName(c.ClientName)
	return c
}

// Check is one health check's answer.
type Check struct {
	Name   string
	OK     bool
	Reason string
	Alarms []Alarm
}

// Alarm is a resource alarm in effect on a node (memory, disk).
type Alarm struct {
	Node, Resource string
}

// Snapshot is one read of the whole cluster.
type Snapshot struct {
	Overview    Overview
	Nodes       []Node
	Queues      []Queue
	Connections []Connection
	Alarms      Check
	Errs        map[string]error // per part; nil when all were read
	Err         error            // set when nothing at all could be read
}
