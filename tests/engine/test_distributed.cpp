// Data-parallel re-training with c10d + Gloo: two replica processes on localhost must end with
// bit-identical weights although each trained on its own crops.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "sfr/base/error.h"
#include "sfr/engine/distributed/distributed_context.h"
#include "sfr/engine/vnet_checkpoint.h"
#include "test_checkpoint_python.h"

extern char** environ;

using namespace sfr::engine;
using sfr::test::TempDir;

namespace {

// A port the kernel just handed out (and took back), for the rendezvous store.
int freePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t length = sizeof addr;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length) != 0)
    throw sfr::Error("test", "no free port");
  close(fd);
  return ntohs(addr.sin_port);
}

pid_t spawnReplica(int rank, int port, const std::string& outDir) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    const std::string v = *e;
    if (v.rfind("RANK=", 0) == 0 || v.rfind("WORLD_SIZE=", 0) == 0 ||
        v.rfind("MASTER_ADDR=", 0) == 0 || v.rfind("MASTER_PORT=", 0) == 0)
      continue;
    env.push_back(v);
  }
  env.push_back("RANK=" + std::to_string(rank));
  env.push_back("WORLD_SIZE=2");
  env.push_back("MASTER_ADDR=127.0.0.1");
  env.push_back("MASTER_PORT=" + std::to_string(port));
  std::vector<char*> envp;
  for (std::string& v : env) envp.push_back(v.data());
  envp.push_back(nullptr);
  std::string program = SFR_DISTRIBUTED_REPLICA;
  std::string dir = outDir;
  char* argv[] = {program.data(), dir.data(), nullptr};
  pid_t pid = 0;
  if (posix_spawn(&pid, program.c_str(), nullptr, nullptr, argv, envp.data()) != 0)
    throw sfr::Error(program, "could not be started");
  return pid;
}

// The exit status, or -1 after killing a replica still running at the deadline.
int waitReplica(pid_t pid, std::chrono::steady_clock::time_point deadline) {
  int status = 0;
  while (true) {
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace

TEST(DistributedSettings, ReadsAndChecksTheEnvironmentVariables) {
  EXPECT_THROW(DistributedSettings().rank(2).world_size(2).validate(), sfr::Error);
  EXPECT_THROW(DistributedSettings().master_port(70000).validate(), sfr::Error);
  EXPECT_THROW(DistributedSettings().backend("mpi").validate(), sfr::Error);
  EXPECT_NO_THROW(DistributedSettings().rank(1).world_size(2).validate());
  setenv("RANK", "1", 1);
  setenv("WORLD_SIZE", "3", 1);
  setenv("MASTER_PORT", "12345", 1);
  EXPECT_TRUE(DistributedSettings::requestedByEnvironment());
  const DistributedSettings s = DistributedSettings::fromEnvironment();
  EXPECT_EQ(s.rank(), 1);
  EXPECT_EQ(s.world_size(), 3);
  EXPECT_EQ(s.master_port(), 12345);
  setenv("RANK", "one", 1);
  try {
    DistributedSettings::fromEnvironment();
    ADD_FAILURE() << "RANK=one was accepted";
  } catch (const sfr::Error& e) {
    EXPECT_EQ(e.subject(), "RANK");
  }
  unsetenv("RANK");
  unsetenv("WORLD_SIZE");
  unsetenv("MASTER_PORT");
  EXPECT_THROW(DistributedSettings::fromEnvironment(), sfr::Error);
  EXPECT_FALSE(DistributedSettings::requestedByEnvironment());
  setenv("WORLD_SIZE", "1", 1);
  EXPECT_FALSE(DistributedSettings::requestedByEnvironment());
  unsetenv("WORLD_SIZE");
}

TEST(Distributed, TwoGlooReplicasEndWithIdenticalWeights) {
  if (!DistributedContext::available()) {
    // Not a pass: the build lacks c10d/Gloo, and the reason is printed.
    GTEST_SKIP() << DistributedContext::unavailableReason();
  }
  TempDir dir;
  const int port = freePort();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(180);
  const pid_t rank0 = spawnReplica(0, port, dir.path().string());
  const pid_t rank1 = spawnReplica(1, port, dir.path().string());
  ASSERT_EQ(waitReplica(rank0, deadline), 0);
  ASSERT_EQ(waitReplica(rank1, deadline), 0);

  nlohmann::json info[2];
  for (int r = 0; r < 2; ++r) {
    std::ifstream in(dir / ("rank" + std::to_string(r) + ".json"));
    ASSERT_TRUE(in) << "rank " << r << " wrote no report";
    info[r] = nlohmann::json::parse(in);
    EXPECT_EQ(info[r].at("backend"), "gloo");
    ASSERT_EQ(info[r].at("losses").size(), 4u);
  }
  // Different seeds: different initial weights, which the broadcast replaced by rank 0's...
  EXPECT_NE(info[0].at("initial_first_weight"), info[1].at("initial_first_weight"));
  EXPECT_EQ(info[1].at("broadcast_first_weight"), info[0].at("initial_first_weight"));
  // ...and different crops, so the replicas' losses differ at every step.
  for (int i = 0; i < 4; ++i)
    EXPECT_NE(info[0].at("losses")[i], info[1].at("losses")[i]) << "step " << i + 1;

  const VNetCheckpoint a = readVNetCheckpoint(dir / "rank0.pt");
  const VNetCheckpoint b = readVNetCheckpoint(dir / "rank1.pt");
  ASSERT_EQ(a.stateDict.size(), b.stateDict.size());
  for (std::size_t i = 0; i < a.stateDict.size(); ++i) {
    EXPECT_EQ(a.stateDict[i].first, b.stateDict[i].first);
    EXPECT_TRUE(torch::equal(a.stateDict[i].second, b.stateDict[i].second))
        << a.stateDict[i].first << " differs between the replicas";
  }
}
