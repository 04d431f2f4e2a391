/* global document, window */
// The page of examples/electron: lists the jobs, runs one on a click, and logs what the jobs send.
const list = document.getElementById('jobs');
const log = document.getElementById('log');
const write = (line) => (log.textContent += `${line}\n`);

async function showJobs() {
  list.replaceChildren();
  for (const job of await window.horae.jobs()) {
    const item = document.createElement('li');
    const button = document.createElement('button');
    button.textContent = 'Run now';
    button.addEventListener('click', () => void window.horae.runNow(job.id));
    item.append(`${job.name}, next run ${job.nextRunTime ?? 'paused'} `, button);
    list.append(item);
  }
}

window.horae.onProgress((progress) => write(`progress: ${JSON.stringify(progress)}`));
window.horae.onJobFinished((result) => {
  write(`finished: ${JSON.stringify(result)}`);
  void showJobs();
});
void showJobs();
