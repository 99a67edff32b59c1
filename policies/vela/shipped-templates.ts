// The KubeVela definitions graphdata ships, as CUE template text: the `graphdata` trait
// and the Spark job, StarRocks CN and GraphScope engine components. `scaffold
// vela-definitions` writes them; `validate` renders them in TypeScript
// (shipped-render.ts) only when a definition's template is exactly one of these.
//
// The templates are plain CUE unification: no `+patchKey` / `+patchStrategy` (KubeVela's
// own extensions of CUE), so `cue` itself evaluates them as KubeVela does
// (test/e2e/vela-render.test.ts). The trait's patch therefore only adds map keys; a
// component that already sets a different value for one of graphdata's labels or
// annotations is a conflict KubeVela reports, never silently overwritten.
import { ANNOTATION_DATASET, ANNOTATION_PROFILE, LABEL_INJECT } from '../model.js';
import { OPT_IN_VALUE } from '../pod-opt-in.js';

export const SPARK_VERSION = '3.5.1';
export const TRAIT_NAME = 'graphdata';
export const COMPONENT_TYPES = {
  spark: 'graphdata-spark-job',
  'starrocks-cn': 'graphdata-starrocks-cn',
  graphscope: 'graphdata-graphscope-engine',
} as const;
export type VelaComponentKind = keyof typeof COMPONENT_TYPES;

const q = JSON.stringify;

/** The trait's template: graphdata's own labels and annotations on the pods, nothing else. */
export function traitTemplate(defaultProfile?: string): string {
  return `// graphdata: opt the component's pods in to cache injection (graphdata.io/inject=enabled)
// and pick a profile or a Fluid dataset. Writes labels and annotations only: the
// graphdata webhook does the injecting, under the cluster's policy. Plain unification
// (no patchKey/patchStrategy): a component that sets another value for one of these
// keys is a conflict, not overwritten.
_labels: {
	if parameter.inject {
		${q(LABEL_INJECT)}: ${q(OPT_IN_VALUE)}
	}
	if !parameter.inject {
		${q(LABEL_INJECT)}: "false"
	}
}
_annotations: {
	if parameter.profile != _|_ {
		${q(ANNOTATION_PROFILE)}: parameter.profile
	}
	if parameter.dataset != _|_ {
		${q(ANNOTATION_DATASET)}: parameter.dataset
	}
}
_kind: context.output.kind
if _kind == "SparkApplication" {
	patch: spec: {
		driver: {labels: _labels, annotations: _annotations}
		executor: {labels: _labels, annotations: _annotations}
	}
}
if _kind == "StarRocksCluster" {
	patch: spec: starRocksCnSpec: {podLabels: _labels, annotations: _annotations}
}
if _kind != "SparkApplication" && _kind != "StarRocksCluster" {
	patch: spec: template: metadata: {labels: _labels, annotations: _annotations}
}
parameter: {
	// +usage=Inject the data cache into the component's pods (false opts them out)
	inject: *true | bool
	// +usage=graphdata profile for the pods (graphdata.io/profile)
	${defaultProfile ? `profile: *${q(defaultProfile)} | string` : 'profile?: string'}
	// +usage=Fluid dataset the pods read (graphdata.io/dataset)
	dataset?: string
}
`;
}

export const sparkTemplate = (image: string) => `output: {
	apiVersion: "sparkoperator.k8s.io/v1beta2"
	kind:       "SparkApplication"
	metadata: name: context.name
	spec: {
		type:                parameter.type
		mode:                "cluster"
		image:               parameter.image
		imagePullPolicy:     "IfNotPresent"
		sparkVersion:        parameter.sparkVersion
		mainApplicationFile: parameter.mainFile
		if parameter.mainClass != _|_ {
			mainClass: parameter.mainClass
		}
		arguments: parameter.args
		restartPolicy: type: "Never"
		driver: {
			cores:          parameter.driver.cores
			memory:         parameter.driver.memory
			serviceAccount: parameter.serviceAccount
		}
		executor: {
			instances: parameter.executor.instances
			cores:     parameter.executor.cores
			memory:    parameter.executor.memory
		}
	}
}
parameter: {
	// +usage=Spark image, with a pinned tag
	image: *${q(image)} | string
	// +usage=Scala, Java, Python or R
	type: *"Scala" | "Java" | "Python" | "R"
	// +usage=Spark version of the image
	sparkVersion: *${q(SPARK_VERSION)} | string
	// +usage=The application jar or script (local:///…, s3a://…)
	mainFile: string
	// +usage=Main class, for Scala and Java
	mainClass?: string
	// +usage=Application arguments (alluxio:// paths are read through the cache)
	args: *[] | [...string]
	// +usage=ServiceAccount of the driver (it creates the executors)
	serviceAccount: *"spark" | string
	driver: {
		cores:  *1 | int & >=1
		memory: *"1g" | string
	}
	executor: {
		instances: *2 | int & >=1
		cores:     *1 | int & >=1
		memory:    *"2g" | string
	}
}
`;

export const starrocksTemplate = (cnImage: string, feImage: string) => `output: {
	apiVersion: "starrocks.com/v1"
	kind:       "StarRocksCluster"
	metadata: name: context.name
	spec: {
		starRocksFeSpec: {
			image:    parameter.feImage
			replicas: 1
			requests: {cpu: "1", memory: "2Gi"}
			limits: {cpu: "1", memory: "2Gi"}
		}
		starRocksCnSpec: {
			image:    parameter.image
			replicas: parameter.replicas
			requests: {cpu: parameter.cpu, memory: parameter.memory}
			limits: {cpu: parameter.cpu, memory: parameter.memory}
		}
	}
}
parameter: {
	// +usage=CN image, with a pinned tag
	image: *${q(cnImage)} | string
	// +usage=FE image, with a pinned tag (the group's own FE, which its CNs register with)
	feImage: *${q(feImage)} | string
	// +usage=Compute nodes
	replicas: *1 | int & >=1
	// +usage=CPU per compute node
	cpu: *"4" | string
	// +usage=Memory per compute node
	memory: *"8Gi" | string
}
`;

export const graphscopeTemplate = (image: string) => `output: {
	apiVersion: "apps/v1"
	kind:       "StatefulSet"
	metadata: name: context.name
	spec: {
		replicas:    parameter.workers
		serviceName: context.name
		selector: matchLabels: {
			"app.kubernetes.io/name":      "graphscope"
			"app.kubernetes.io/component": "engine"
			"app.kubernetes.io/instance":  context.name
		}
		template: {
			metadata: labels: {
				"app.kubernetes.io/name":      "graphscope"
				"app.kubernetes.io/component": "engine"
				"app.kubernetes.io/instance":  context.name
			}
			spec: containers: [{
				name:  "engine"
				image: parameter.image
				resources: {
					requests: {cpu: parameter.cpu, memory: parameter.memory}
					limits: {cpu: parameter.cpu, memory: parameter.memory}
				}
			}]
		}
	}
}
parameter: {
	// +usage=GraphScope analytical engine image, with a pinned tag
	image: *${q(image)} | string
	// +usage=Engine workers
	workers: *2 | int & >=1
	// +usage=CPU per worker
	cpu: *"2" | string
	// +usage=Memory per worker
	memory: *"4Gi" | string
}
`;
