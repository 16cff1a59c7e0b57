fn main() { let t = std::thread::spawn(|| println!("hi")); t.join().unwrap(); }
