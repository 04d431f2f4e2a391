// A scheduler in the background of an application that goes on with its own work.
//
// Mirrors tutorial 004's BackgroundScheduler example:
//     def fetch_data_from_api():
//         print(f"Fetching data at {datetime.now()}")
//         fetch_and_process_data.delay()   # hand the work to a Celery task queue
//     scheduler = BackgroundScheduler()
//     scheduler.add_job(fetch_data_from_api, 'interval', minutes=5)
//     scheduler.start()
// and the BlockingScheduler / BackgroundScheduler / AsyncIOScheduler choice of tutorials 000-004:
// `await scheduler.start()` returns at once and the jobs run on the event loop beside the rest of
// the program (Background and AsyncIO); `await scheduler.run()` waits until shutdown (Blocking,
// see trigger-interval.ts). A tiny in-process queue stands in for Celery here; in Node, BullMQ
// plays Celery's part.
//
// Prints "Fetching data at ..." from the job, "worker processed batch N" from the queue's worker,
// and the application's own "main program still working" lines in between.
// Run: npx tsx examples/background-scheduler.ts
import { Scheduler } from 'horae';

// The stand-in for the Celery task `fetch_and_process_data`: .delay() queues it, a worker drains it.
const queue: number[] = [];
let batches = 0;
const fetchAndProcessData = {
  delay(): void {
    queue.push(++batches);
  },
};
const worker = setInterval(() => {
  for (let batch = queue.shift(); batch !== undefined; batch = queue.shift()) {
    console.log(`worker processed batch ${batch}`);
  }
}, 100);

function fetchDataFromApi(): void {
  console.log(`Fetching data at ${new Date().toISOString()}`);
  fetchAndProcessData.delay();
}

const scheduler = new Scheduler();
await scheduler.addJob(fetchDataFromApi, 'interval', { seconds: 0.5 }); // minutes=5 in the tutorial
await scheduler.start(); // returns at once: the scheduler works in the background

for (let step = 1; step <= 3; step++) {
  console.log(`main program still working (step ${step})`);
  await new Promise((resolve) => setTimeout(resolve, 400));
}

await scheduler.shutdown();
clearInterval(worker);
console.log(`done: ${batches} batches queued by the background job`);
