#include "support/slurm_cluster.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "core/atomic_file.h"
#include "support/free_port.h"

namespace fl::test_support {

namespace fs = std::filesystem;

namespace {

std::string short_hostname() {
  char name[256] = {};
  gethostname(name, sizeof name - 1);
  const std::string host = name;
  return host.substr(0, host.find('.'));
}

}  // namespace

bool can_start_slurm() {
  if (geteuid() != 0) return false;
  for (const char* program : {"/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/sbin/munged", "/usr/bin/sbatch"})
    if (access(program, X_OK) != 0) return false;
  return true;
}

SingleNodeSlurm::SingleNodeSlurm(const fs::path& dir) : dir_(dir) {
  const std::string d = dir.string(), host = short_hostname();
  fs::create_directories(dir);
  write_file_atomic(dir / "slurm.conf",
                    "ClusterName=freelunchtest\nSlurmctldHost=" + host + "(127.0.0.1)\nSlurmctldPort=" +
                        std::to_string(free_local_port()) + "\nSlurmdPort=" + std::to_string(free_local_port()) +
                        "\nAuthType=auth/munge\nAuthInfo=socket=" + d + "/munge.socket\nCredType=cred/munge\n"
                        "SlurmUser=root\nSlurmdUser=root\nStateSaveLocation=" + d + "/state\nSlurmdSpoolDir=" + d +
                        "/spool\nSlurmctldPidFile=" + d + "/slurmctld.pid\nSlurmdPidFile=" + d + "/slurmd.pid\n"
                        "SlurmctldLogFile=" + d + "/slurmctld.log\nSlurmdLogFile=" + d + "/slurmd.log\n"
                        "ProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\n"
                        "JobAcctGatherType=jobacct_gather/none\nAccountingStorageType=accounting_storage/none\n"
                        "JobCompType=jobcomp/none\nMpiDefault=none\nSchedulerType=sched/builtin\n"
                        "SelectType=select/cons_tres\nSelectTypeParameters=CR_Core\nReturnToService=2\n"
                        "NodeName=" + host + " NodeAddr=127.0.0.1 CPUs=" +
                        std::to_string(std::max(1u, std::thread::hardware_concurrency())) +
                        " State=UNKNOWN\nPartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP\n");
  fs::create_directories(dir / "state");
  fs::create_directories(dir / "spool");
  fs::permissions(dir, fs::perms(0700));
  const std::string quiet = " </dev/null >/dev/null 2>&1";
  start("head -c 1024 /dev/urandom > " + d + "/munge.key && chmod 400 " + d + "/munge.key && /usr/sbin/munged "
        "--force --socket=" + d + "/munge.socket --key-file=" + d + "/munge.key --pid-file=" + d +
        "/munged.pid --seed-file=" + d + "/munged.seed --log-file=" + d + "/munged.log" + quiet);
  start("/usr/sbin/slurmctld -i -f " + d + "/slurm.conf" + quiet);
  start("/usr/sbin/slurmd -f " + d + "/slurm.conf" + quiet);
  // Up when sinfo shows the node idle (slurmd registered).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    if (run(" sinfo -h -o %T").out.find("idle") != std::string::npos) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  ADD_FAILURE() << "the SLURM node never became idle:\n" << read_file(dir / "slurmctld.log");
}

SingleNodeSlurm::~SingleNodeSlurm() {
  for (const char* daemon : {"slurmd", "slurmctld", "munged"}) {
    const fs::path pid_file = dir_ / (std::string(daemon) + ".pid");
    if (!fs::exists(pid_file)) continue;
    const std::string pid = read_file(pid_file);
    run_command("kill " + pid.substr(0, pid.find('\n')) + " >/dev/null 2>&1");
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // let them remove their sockets and files
}

ProcessResult SingleNodeSlurm::run(const std::string& command) const {
  return run_command("SLURM_CONF=" + shell_quote((dir_ / "slurm.conf").string()) + command);
}

void SingleNodeSlurm::wait_for_empty_queue(int limit_seconds) const {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(limit_seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string reasons = run(" squeue -h -o %r").out;
    if (reasons.empty() || reasons.find("DependencyNeverSatisfied") != std::string::npos) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

void SingleNodeSlurm::start(const std::string& command) {
  const auto r = run_command(command);
  if (r.exit_code != 0) ADD_FAILURE() << command << ": exit " << r.exit_code << " " << r.err;
}

}  // namespace fl::test_support
