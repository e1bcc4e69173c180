"""A real MirrorMaker 2 lab on 127.0.0.1: real Kafka, real MM2, real JMX exporter, real Prometheus.

Everything mm2report reads is otherwise proven against its own simulator, whose names and
behaviour were written from documents. The lab runs the real thing at small scale, so that the
catalog and the KPIs can be checked against what Kafka itself recorded:

* :mod:`.jars` fetches the pinned jars (Kafka, MirrorMaker 2, the Prometheus JMX exporter agent)
  from Maven Central with ``mvn dependency:copy-dependencies`` into a cache outside git;
* :mod:`.env` starts two single-node KRaft clusters, MirrorMaker 2 as a Connect distributed
  cluster (or in dedicated mode) with the JMX exporter agent, an offsets exporter per cluster
  under kafka_exporter's names, and a Prometheus that scrapes all of it live;
* :mod:`.campaign` scripts a mini-campaign over the seven phases and writes its campaign file;
* :mod:`.truth` computes the truth from Kafka only (both clusters consumed completely), never
  from metrics.

Every process is started on 127.0.0.1 and stopped by PID (``mm2report lab down`` reads them
back from the lab's state file).
"""
